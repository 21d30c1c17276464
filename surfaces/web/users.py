"""The web UI's users page (admins; anyone else gets 403 from the server, not only a hidden link): the
users of DOZOR_API_USERS and the DOZOR_API_TOKENS tokens; add a user (the new token is shown on the
answer page once, never in a URL), change a role or teams, disable, enable, remove. Audited, as the
API's /users (surfaces/user_admin.py does both)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from dozor.errors import UsageError
from surfaces.access import Admin
from surfaces.user_admin import Admins, known_users
from surfaces.users import Role
from surfaces.web import auth
from surfaces.web.deps import pages_router, redirect
from surfaces.web.render import page

pages = pages_router()


def _teams(value: Any) -> list[str]:
    return [t.strip() for t in str(value or "").split(",") if t.strip()]


def _page(request: Request, admin: Any, **extra: Any) -> HTMLResponse:
    return page(
        request,
        "users.html",
        users=admin.listed(known_users(request)),
        users_file=admin.path,
        roles=[r.name for r in Role],
        known_teams=admin.teams(),
        **extra,
    )


def _back(error: str = "") -> Response:
    return redirect("/ui/users" + (f"?error={quote(error)}" if error else ""))


@pages.get("/users", response_class=HTMLResponse)
def users_page(request: Request, _: Admin, admin: Admins, error: str = "") -> HTMLResponse:
    return _page(request, admin, error=error, token=None)


@pages.post("/users", response_class=HTMLResponse)
async def add_user(request: Request, user: Admin, admin: Admins) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    try:
        token = admin.add(user, name, str(form.get("role") or ""), _teams(form.get("teams")), ui=True)
    except UsageError as exc:
        return _back(str(exc))
    return _page(request, admin, error="", token={"name": name, "value": token})  # no-store, as every page


@pages.post("/users/{name}")
async def change_user(request: Request, user: Admin, admin: Admins, name: str) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    try:
        admin.update(user, name, role=str(form.get("role") or ""), teams=_teams(form.get("teams")), ui=True)
    except UsageError as exc:
        return _back(str(exc))
    return _back()


@pages.post("/users/{name}/{act}")
def switch_user(request: Request, user: Admin, admin: Admins, name: str, act: str) -> Response:
    auth.check_same_origin(request)
    try:
        if act == "remove":
            admin.remove(user, name, ui=True)
        elif act in ("disable", "enable"):
            admin.update(user, name, disabled=act == "disable", ui=True)
        else:
            return _back(f"no such action {act!r}")
    except UsageError as exc:
        return _back(str(exc))
    return _back()

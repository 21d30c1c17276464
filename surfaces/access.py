"""The one check every route of the HTTP API and the web UI goes through: who is calling (a bearer token,
or the web UI's session cookie) and whether their role allows the route. An unknown caller gets 401 from
the API and a redirect to the login page from the web UI; a known one without the role gets 403 from
both: a viewer's export is refused by the server, not only hidden."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status

from surfaces.auth import check_token
from surfaces.users import Role, User

COOKIE = "dozor_session"
UI_PREFIX = "/ui/"


def presented_token(request: Request) -> str | None:
    """The token from an `Authorization: Bearer` header, else (web UI) from the session cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.url.path.startswith(UI_PREFIX):
        return request.cookies.get(COOKIE) or None
    return None


def _unknown(request: Request, token: str | None) -> HTTPException:
    if request.url.path.startswith(UI_PREFIX):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return HTTPException(
            status.HTTP_303_SEE_OTHER, "login required", headers={"Location": f"/ui/login?next={quote(here, safe='')}"}
        )
    detail = "invalid token" if token else "missing bearer token (Authorization: Bearer <token>)"
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def caller(request: Request) -> User:
    """The calling user (cached on the request); 401 / login redirect when unknown, 429 while the
    caller's address must wait after repeated failed tokens."""
    known: User | None = getattr(request.state, "user", None)
    if known is not None:
        return known
    token = presented_token(request)
    user = check_token(request, token)
    if user is None:
        raise _unknown(request, token)
    request.state.user = user
    return user


def need(role: Role) -> Callable[[Request], User]:
    """A dependency: the caller, who must have at least ``role`` (403 otherwise)."""

    def check(request: Request) -> User:
        user = caller(request)
        if not user.at_least(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"{user.name} is a {user.role.name}: this needs the {role.name} role"
            )
        return user

    check.__name__ = f"need_{role.name}"
    return check


need_viewer, need_analyst, need_admin = need(Role.viewer), need(Role.analyst), need(Role.admin)
Viewer = Annotated[User, Depends(need_viewer)]
Analyst = Annotated[User, Depends(need_analyst)]
Admin = Annotated[User, Depends(need_admin)]

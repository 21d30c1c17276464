"""The web UI's saved searches: those of the user's teams and the shared ones; analysts and admins
save, edit and delete them (in their own teams), viewers open them. Every change is audited."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import orjson
from elasticsearch import Elasticsearch
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from dozor.errors import UsageError
from dozor.records import utcnow
from search.filters import SearchFilters
from search.saved import NotFound, SavedSearch, SavedSearches, SearchSpec
from search.service import build_query
from surfaces.access import Analyst, Viewer
from surfaces.audit import Audit
from surfaces.users import User
from surfaces.web import auth
from surfaces.web.deps import ES, Settings, pages_router
from surfaces.web.deps import redirect as _redirect
from surfaces.web.params import UIQuery
from surfaces.web.render import page
from surfaces.web.settings import WebSettings

SEEN_COOKIE = "dozor_seen"
SEEN_MAX = 100
pages = pages_router()


def _own(user: User, saved: SavedSearch) -> SavedSearch:
    if not user.in_team(saved.team):
        raise NotFound(f"no saved search named {saved.name!r}")
    return saved


def _seen(request: Request) -> dict[str, str]:
    raw = request.cookies.get(SEEN_COOKIE)
    if not raw:
        return {}
    try:
        value = orjson.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, orjson.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _set_seen(request: Request, response: Response, name: str) -> None:
    seen = _seen(request)
    seen.pop(name, None)
    seen[name] = utcnow().isoformat()
    kept = dict(list(seen.items())[-SEEN_MAX:])
    encoded = base64.urlsafe_b64encode(orjson.dumps(kept)).decode()
    response.set_cookie(SEEN_COOKIE, encoded, max_age=365 * 86400, httponly=True, samesite="strict", path="/")


def _new_since(es: Elasticsearch, settings: WebSettings, saved: SavedSearch, since: str | None) -> int | None:
    extra = [{"range": {"indexed_at": {"gt": since}}}] if since else []
    try:
        query = build_query(saved.query, saved.filters, extra).query
    except UsageError:
        return None
    resp = es.count(index=f"{settings.index('posts')}", query=query, ignore_unavailable=True, allow_no_indices=True)
    return int(resp["count"])


def _search_url(saved: SavedSearch) -> str:
    f = saved.filters
    ui = UIQuery(
        saved.query,
        {
            "topic": f.topic,
            "lang": f.lang,
            "script": [],
            "channel": f.channel,
            "category": f.category,
            "country": f.country,
            "tag": f.tag,
        },
        f.since.isoformat() if f.since else "",
        f.until.isoformat() if f.until else "",
        f.include_deleted,
        1,
    )
    return ui.url()


@pages.get("/searches", response_class=HTMLResponse)
def saved_page(request: Request, es: ES, settings: Settings, user: Viewer, error: str = "") -> HTMLResponse:
    seen = _seen(request)
    rows = []
    for saved in SavedSearches(es, settings).list():
        if not user.in_team(saved.team):
            continue
        rows.append({"saved": saved, "new": _new_since(es, settings, saved, seen.get(saved.name))})
    return page(request, "searches.html", rows=rows, error=error)


def _spec_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {str(err['msg']).removeprefix('Value error, ')}"
    return str(exc)


@pages.post("/searches")
async def create_saved(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    ui = UIQuery.from_values(form)
    name = str(form.get("name") or "").strip()
    try:
        spec = SearchSpec(query=ui.saved_query(), filters=ui.filters(), owner=user.name, team=user.home_team)
        SavedSearches(es, settings).create(name, spec)
        audit.record(user, "search.saved.create", name, query=spec.query, detail={"team": spec.team, "ui": True})
    except (UsageError, ValidationError) as exc:
        return _redirect(f"/ui/searches?error={quote(_spec_error(exc))}")
    response = _redirect("/ui/searches")
    _set_seen(request, response, name)
    return response


@pages.get("/searches/{name}/open")
def open_saved(request: Request, es: ES, settings: Settings, user: Viewer, name: str) -> Response:
    saved = _own(user, SavedSearches(es, settings).get(name))
    response = _redirect(_search_url(saved))
    _set_seen(request, response, saved.name)
    return response


@pages.get("/searches/{name}/edit", response_class=HTMLResponse)
def edit_saved_form(
    request: Request, es: ES, settings: Settings, user: Analyst, name: str, error: str = ""
) -> HTMLResponse:
    try:
        saved = _own(user, SavedSearches(es, settings).get(name))
    except NotFound:
        return page(request, "error.html", status_code=404, message_key="saved.none")
    return page(request, "search_edit.html", saved=saved, error=error)


def _csv_list(value: Any) -> list[str]:
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


@pages.post("/searches/{name}/edit")
async def edit_saved(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    store = SavedSearches(es, settings)
    try:
        old = _own(user, store.get(name))
        filters = SearchFilters(
            **{k: _csv_list(form.get(k)) for k in ("lang", "topic", "channel", "category", "country")},
            since=str(form.get("since") or "") or None,
            until=str(form.get("until") or "") or None,
            include_deleted=form.get("deleted") == "1",
        )
        spec = SearchSpec(
            query=str(form.get("q") or ""),
            filters=filters,
            owner=old.owner,
            team=old.team,
            notify=old.notify,
            active=form.get("active") == "1",
        )
        store.update(name, spec)
        audit.record(user, "search.saved.update", name, query=spec.query, detail={"team": old.team, "ui": True})
    except (UsageError, ValidationError) as exc:
        return _redirect(f"/ui/searches/{quote(name, safe='')}/edit?error={quote(_spec_error(exc))}")
    return _redirect("/ui/searches")


@pages.post("/searches/{name}/delete")
def delete_saved(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str) -> Response:
    auth.check_same_origin(request)
    try:
        store = SavedSearches(es, settings)
        _own(user, store.get(name))
        store.delete(name)
        audit.record(user, "search.saved.delete", name, detail={"ui": True})
    except UsageError as exc:
        return _redirect(f"/ui/searches?error={quote(str(exc))}")
    return _redirect("/ui/searches")

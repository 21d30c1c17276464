"""The web UI's routes, under /ui. Every page and export needs a login; /ui/login, the language
switch, the stylesheet and the icon do not."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from elasticsearch import Elasticsearch
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from alerts.state import AlertStore
from dozor.errors import UsageError
from search.filters import SearchFilters
from search.hits import SearchHit
from search.redaction import redact_post
from search.service import build_query, search
from surfaces import exports
from surfaces.access import Analyst, Viewer
from surfaces.audit import Audit
from surfaces.users import Role
from surfaces.web import auth
from surfaces.web.channels import channel_health
from surfaces.web.deps import ES, Settings, pages_router, redirect
from surfaces.web.desk import pages as desk_pages
from surfaces.web.desk_posts import desk_context
from surfaces.web.desk_posts import pages as desk_post_pages
from surfaces.web.facets import Facets, facets
from surfaces.web.i18n import COOKIE as LANG_COOKIE
from surfaces.web.i18n import LANGS
from surfaces.web.params import CATEGORIES, UIQuery
from surfaces.web.posts import load_post
from surfaces.web.render import HERE, page
from surfaces.web.saved import pages as saved_pages
from surfaces.web.settings import WebSettings, taxonomy
from surfaces.web.users import pages as users_pages

_ICON_CACHE = {"Cache-Control": "max-age=86400"}


public = APIRouter(prefix="/ui", include_in_schema=False)
pages = pages_router()
_redirect = redirect


# ---- public: login, language, stylesheet ----------------------------------------------------------


@public.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/ui/search") -> HTMLResponse:
    return page(request, "login.html", next=auth.safe_next(next), failed=False)


@public.post("/login", response_class=HTMLResponse)
def login(
    request: Request, settings: Settings, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""
) -> Response:
    auth.check_same_origin(request)
    try:
        valid = auth.valid_token(request, token.strip())
    except HTTPException as exc:  # too many failures from this address: wait first
        wait = (exc.headers or {}).get("Retry-After", "")
        slow = page(request, "login.html", status_code=exc.status_code, next=auth.safe_next(next), wait_s=wait)
        slow.headers["Retry-After"] = wait
        return slow
    if not valid:
        return page(request, "login.html", status_code=401, next=auth.safe_next(next), failed=True)
    response = _redirect(auth.safe_next(next))
    auth.set_session(response, token.strip(), settings.ui_cookie_secure)
    return response


@public.post("/logout")
def logout(request: Request) -> Response:
    auth.check_same_origin(request)
    response = _redirect("/ui/login")
    auth.clear_session(response)
    return response


@public.get("/lang/{code}")
def switch_language(code: str, next: str = "/ui/search") -> Response:
    response = _redirect(auth.safe_next(next))
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


@public.get("/static/app.css")
def stylesheet() -> FileResponse:
    return FileResponse(HERE / "static" / "app.css", media_type="text/css", headers={"Cache-Control": "max-age=300"})


@public.get("/static/favicon.svg")
def icon() -> FileResponse:
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml", headers=_ICON_CACHE)


@public.get("")
@public.get("/")
def home() -> Response:
    return _redirect("/ui/search")


# ---- search, exports -------------------------------------------------------------------------------


@pages.get("/search", response_class=HTMLResponse)
def search_page(request: Request, es: ES, settings: Settings, user: Viewer, audit: Audit) -> HTMLResponse:
    ui = UIQuery.from_request(request)
    size = settings.ui_page_size
    error = None
    result_hits: list[SearchHit] = []
    total = 0
    found = Facets()
    try:
        filters = ui.filters()
        offset = min((ui.page - 1) * size, 10_000 - size)
        result = search(es, settings, ui.q, filters, limit=size, offset=offset, extra=ui.extra())
        result_hits, total = result.hits, result.total
        audit.record(user, "search", query=ui.q, results=total, detail={"ui": True})
        if user.role is Role.viewer:
            result_hits = [redact_post(h) for h in result_hits]  # type: ignore[misc]
        found = facets(es, settings, ui.q, filters, ui.extra())
    except UsageError as exc:
        error = str(exc)
    pages_total = max(1, math.ceil(min(total, 10_000) / size))
    return page(
        request,
        "search.html",
        ui=ui,
        hits=result_hits,
        total=total,
        facets=found,
        error=error,
        pages=pages_total,
        categories=CATEGORIES,
    )


def _export(request: Request, es: Elasticsearch, settings: WebSettings, user: Any, audit: Any, kind: str) -> Response:
    """Analysts and admins (the route's dependency); masked unless an admin adds `unredacted=1`."""
    ui = UIQuery.from_request(request)
    unredacted = request.query_params.get("unredacted") == "1"
    if unredacted and user.role is not Role.admin:
        raise HTTPException(403, f"{user.name} is a {user.role.name}: unredacted exports need admin")
    try:
        filters = ui.filters()
        build_query(ui.q, SearchFilters())  # a syntax error is a 400 before streaming starts
    except UsageError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    most = settings.ui_export_max
    total = exports.count(es, settings, ui.q, filters, most, ui.extra())
    audit.record(user, "export", kind, query=ui.q, results=total, unredacted=unredacted, detail={"ui": True})
    rows = exports.hits(es, settings, ui.q, filters, most, extra=ui.extra(), redacted=not unredacted)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    disposition = {"Content-Disposition": f'attachment; filename="dozor-{stamp}.{kind}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return StreamingResponse(exports.as_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    return StreamingResponse(exports.as_jsonl(rows), media_type="application/x-ndjson", headers=disposition)


@pages.get("/export.csv")
def export_csv(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit) -> Response:
    return _export(request, es, settings, user, audit, "csv")


@pages.get("/export.jsonl")
def export_jsonl(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit) -> Response:
    return _export(request, es, settings, user, audit, "jsonl")


# ---- posts -----------------------------------------------------------------------------------------


@pages.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(
    request: Request, es: ES, settings: Settings, user: Viewer, audit: Audit, post_id: str, error: str = ""
) -> HTMLResponse:
    post = load_post(es, settings, post_id, taxonomy(request), redacted=user.role is Role.viewer)
    audit.record(user, "post.view", post_id, results=0 if post is None else 1, detail={"ui": True})
    if post is None:
        return page(request, "error.html", status_code=404, message_key="post.not_found")
    return page(request, "post.html", post=post, desk=desk_context(es, settings, user, post_id), error=error)


# ---- alerts ----------------------------------------------------------------------------------------


def _rules(es: Elasticsearch, store: AlertStore) -> list[str]:
    resp = es.search(
        index=store.alerts,
        size=0,
        aggs={"rules": {"terms": {"field": "rule", "size": 500, "order": {"_key": "asc"}}}},
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [str(b["key"]) for b in (resp.get("aggregations") or {}).get("rules", {}).get("buckets", [])]


@pages.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, es: ES, settings: Settings, user: Viewer, rule: str = "", unacked: str = ""
) -> HTMLResponse:
    store = AlertStore(es, settings)
    alerts = store.recent(rule=rule or None, unacked=unacked == "1", limit=200)
    if user.role is Role.viewer:  # the alert's copy of the post, masked like any other
        for a in alerts:
            body = a.get("alert")
            if isinstance(body, dict) and isinstance(body.get("post"), dict):
                a["alert"] = {**body, "post": redact_post(body["post"])}
    return page(request, "alerts.html", alerts=alerts, rules=_rules(es, store), rule=rule, unacked=unacked == "1")


@pages.post("/alerts/ack")
async def ack_alerts(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    store = AlertStore(es, settings)
    for alert_id in form.getlist("id")[:500]:
        if store.ack(str(alert_id)):
            audit.record(user, "alert.ack", str(alert_id), detail={"ui": True})
    back = str(form.get("back") or "/ui/alerts")
    return _redirect(auth.safe_next(back))


# ---- channels --------------------------------------------------------------------------------------


@pages.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, es: ES, settings: Settings) -> HTMLResponse:
    rows, has_registry = channel_health(es, settings, settings.registry)
    return page(request, "channels.html", rows=rows, has_registry=has_registry, registry=str(settings.registry))


router = APIRouter()
router.include_router(public)
router.include_router(pages)
router.include_router(saved_pages)
router.include_router(desk_pages)
router.include_router(desk_post_pages)
router.include_router(users_pages)


@router.get("/", include_in_schema=False)
def root() -> Response:
    return _redirect("/ui/search")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links (downloads, JSON views): the same icon."""
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml", headers=_ICON_CACHE)

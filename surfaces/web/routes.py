"""The web UI's routes, under /ui. Every page and export needs a login; /ui/login, the language
switch, the stylesheet and the icon do not."""

from __future__ import annotations

import base64
import math
import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from elasticsearch import Elasticsearch
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from alerts.state import AlertStore
from dozor.errors import UsageError
from dozor.records import utcnow
from search.filters import SearchFilters
from search.hits import SearchHit
from search.saved import NotFound, SavedSearch, SavedSearches, SearchSpec
from search.service import build_query, search
from surfaces.web import auth, export
from surfaces.web.channels import channel_health
from surfaces.web.facets import Facets, facets
from surfaces.web.i18n import COOKIE as LANG_COOKIE
from surfaces.web.i18n import LANGS
from surfaces.web.params import CATEGORIES, UIQuery
from surfaces.web.posts import load_post
from surfaces.web.render import HERE, page
from surfaces.web.settings import WebSettings, taxonomy, web_settings

_ICON_CACHE = {"Cache-Control": "max-age=86400"}
SEEN_COOKIE = "dozor_seen"
SEEN_MAX = 100


def _start_timer(request: Request) -> None:
    request.state.started = time.perf_counter()


public = APIRouter(prefix="/ui", include_in_schema=False)
pages = APIRouter(
    prefix="/ui", include_in_schema=False, dependencies=[Depends(_start_timer), Depends(auth.require_login)]
)


def _es(request: Request) -> Elasticsearch:
    es: Elasticsearch = request.app.state.es
    return es


ES = Annotated[Elasticsearch, Depends(_es)]
Settings = Annotated[WebSettings, Depends(web_settings)]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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
def search_page(request: Request, es: ES, settings: Settings) -> HTMLResponse:
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


def _export(request: Request, es: Elasticsearch, settings: WebSettings, kind: str) -> Response:
    ui = UIQuery.from_request(request)
    try:
        ui.filters()
        build_query(ui.q, SearchFilters())  # a syntax error is a 400 before streaming starts
    except UsageError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    rows = export.hits(es, settings, ui, settings.ui_export_max)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    disposition = {"Content-Disposition": f'attachment; filename="dozor-{stamp}.{kind}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return StreamingResponse(export.as_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    return StreamingResponse(export.as_jsonl(rows), media_type="application/x-ndjson", headers=disposition)


@pages.get("/export.csv")
def export_csv(request: Request, es: ES, settings: Settings) -> Response:
    return _export(request, es, settings, "csv")


@pages.get("/export.jsonl")
def export_jsonl(request: Request, es: ES, settings: Settings) -> Response:
    return _export(request, es, settings, "jsonl")


# ---- posts -----------------------------------------------------------------------------------------


@pages.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(request: Request, es: ES, settings: Settings, post_id: str) -> HTMLResponse:
    post = load_post(es, settings, post_id, taxonomy(request))
    if post is None:
        return page(request, "error.html", status_code=404, message_key="post.not_found")
    return page(request, "post.html", post=post)


# ---- saved searches --------------------------------------------------------------------------------


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
        },
        f.since.isoformat() if f.since else "",
        f.until.isoformat() if f.until else "",
        f.include_deleted,
        1,
    )
    return ui.url()


@pages.get("/searches", response_class=HTMLResponse)
def saved_page(request: Request, es: ES, settings: Settings, error: str = "") -> HTMLResponse:
    seen = _seen(request)
    rows = []
    for saved in SavedSearches(es, settings).list():
        rows.append({"saved": saved, "new": _new_since(es, settings, saved, seen.get(saved.name))})
    return page(request, "searches.html", rows=rows, error=error)


def _spec_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {str(err['msg']).removeprefix('Value error, ')}"
    return str(exc)


@pages.post("/searches")
async def create_saved(request: Request, es: ES, settings: Settings) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    ui = UIQuery.from_values(form)
    name = str(form.get("name") or "").strip()
    try:
        spec = SearchSpec(query=ui.saved_query(), filters=ui.filters())
        SavedSearches(es, settings).create(name, spec)
    except (UsageError, ValidationError) as exc:
        return _redirect(f"/ui/searches?error={quote(_spec_error(exc))}")
    response = _redirect("/ui/searches")
    _set_seen(request, response, name)
    return response


@pages.get("/searches/{name}/open")
def open_saved(request: Request, es: ES, settings: Settings, name: str) -> Response:
    saved = SavedSearches(es, settings).get(name)
    response = _redirect(_search_url(saved))
    _set_seen(request, response, saved.name)
    return response


@pages.get("/searches/{name}/edit", response_class=HTMLResponse)
def edit_saved_form(request: Request, es: ES, settings: Settings, name: str, error: str = "") -> HTMLResponse:
    try:
        saved = SavedSearches(es, settings).get(name)
    except NotFound:
        return page(request, "error.html", status_code=404, message_key="saved.none")
    return page(request, "search_edit.html", saved=saved, error=error)


def _csv_list(value: Any) -> list[str]:
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


@pages.post("/searches/{name}/edit")
async def edit_saved(request: Request, es: ES, settings: Settings, name: str) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    store = SavedSearches(es, settings)
    try:
        old = store.get(name)
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
            notify=old.notify,
            active=form.get("active") == "1",
        )
        store.update(name, spec)
    except (UsageError, ValidationError) as exc:
        return _redirect(f"/ui/searches/{quote(name, safe='')}/edit?error={quote(_spec_error(exc))}")
    return _redirect("/ui/searches")


@pages.post("/searches/{name}/delete")
def delete_saved(request: Request, es: ES, settings: Settings, name: str) -> Response:
    auth.check_same_origin(request)
    try:
        SavedSearches(es, settings).delete(name)
    except UsageError as exc:
        return _redirect(f"/ui/searches?error={quote(str(exc))}")
    return _redirect("/ui/searches")


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
def alerts_page(request: Request, es: ES, settings: Settings, rule: str = "", unacked: str = "") -> HTMLResponse:
    store = AlertStore(es, settings)
    alerts = store.recent(rule=rule or None, unacked=unacked == "1", limit=200)
    return page(request, "alerts.html", alerts=alerts, rules=_rules(es, store), rule=rule, unacked=unacked == "1")


@pages.post("/alerts/ack")
async def ack_alerts(request: Request, es: ES, settings: Settings) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    store = AlertStore(es, settings)
    for alert_id in form.getlist("id")[:500]:
        store.ack(str(alert_id))
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


@router.get("/", include_in_schema=False)
def root() -> Response:
    return _redirect("/ui/search")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links (downloads, JSON views): the same icon."""
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml", headers=_ICON_CACHE)

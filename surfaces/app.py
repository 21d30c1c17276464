"""The app factory: the HTTP API (surfaces/api) and the web UI (surfaces/web) in one FastAPI app. It stands
above the routers it assembles (none of them imports it); a new surface adds one ``app.include_router(...)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError
from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dozor import __version__, metrics
from dozor import es as dozor_es
from dozor.errors import UsageError
from search.index import ensure_templates
from search.query import QuerySyntaxError
from search.saved import Conflict, NotFound
from search.settings import SearchSettings
from surfaces.api.alerts import router as alerts_router
from surfaces.api.annotations import router as annotations_router
from surfaces.api.cases import router as cases_router
from surfaces.api.desk import router as desk_router
from surfaces.api.discovery import router as discovery_router
from surfaces.api.media import router as media_router
from surfaces.api.metrics import RequestMetrics
from surfaces.api.metrics import router as metrics_router
from surfaces.api.routes import router
from surfaces.api.stories import router as stories_router
from surfaces.api.users import router as users_router
from surfaces.audit import AuditLog, record_users
from surfaces.auth import Guard, LoginThrottle, Tokens
from surfaces.web import settings as web_settings
from surfaces.web.discovery import pages as web_discovery_pages
from surfaces.web.media import router as web_media_router
from surfaces.web.routes import router as web_router
from surfaces.web.stories import router as web_stories_router

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Every error but FastAPI's 422: a message, or for a query error {message, reason, position}."""

    detail: str | dict[str, Any]


# The answers every route may give besides its own (documented so that clients, and schemathesis, know them).
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "a bad query, filter or parameter"),
        (401, "a missing or unknown token"),
        (403, "the caller's role does not allow this (viewer < analyst < admin)"),
        (404, "no such post, saved search, alert or rule"),
        (409, "a saved search, rule, case or user of that name exists"),
        (502, "Elasticsearch refused the request"),
        (503, "Elasticsearch unavailable"),
    )
}


def create_app(settings: SearchSettings) -> FastAPI:
    es = dozor_es.client(settings, max_retries=1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            ensure_templates(es, settings)
        except ApiError as exc:
            if exc.meta.status == 403:  # a least-privilege API user: the indexer installs them
                log.info("index templates left to the indexer (%s may not manage templates)", settings.es_username)
            else:
                log.warning("could not install index templates now: %s", exc)
        except TransportLayerError as exc:  # ES down at start: the routes answer 503
            log.warning("could not install index templates now: %s", exc)
        try:
            record_users(AuditLog(es, settings, "dozor api"), app.state.guard.tokens.users())
        except (ApiError, TransportLayerError) as exc:
            log.warning("could not record the users in the audit log now: %s", exc)
        yield
        es.close()

    app = FastAPI(
        title="Dozor API",
        version=__version__,
        description="Search Telegram posts, their edit history, and saved searches. "
        "Every route but /healthz (and /metrics, Prometheus's) needs `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.es = es
    web_settings.load(app.state, settings)
    app.state.guard = Guard(Tokens(settings.api_tokens, settings.api_users), LoginThrottle())

    @app.get("/healthz", tags=["health"], responses={503: {"description": "Elasticsearch unreachable or red"}})
    def healthz() -> JSONResponse:
        es_status = dozor_es.health(es)
        ok = es_status in ("green", "yellow")
        metrics.set_degraded("api", not ok)  # as of the last health check (docker-compose's, every 15 s)
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "elasticsearch": es_status or "unreachable"},
            status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    app.include_router(metrics_router)
    app.add_middleware(RequestMetrics)
    app.include_router(router, responses=ERRORS)
    app.include_router(media_router, responses=ERRORS)
    app.include_router(web_router)
    app.include_router(web_media_router)
    app.include_router(web_stories_router)
    app.include_router(web_discovery_pages)
    app.include_router(alerts_router, responses=ERRORS)
    app.include_router(desk_router, responses=ERRORS)
    app.include_router(annotations_router, responses=ERRORS)
    app.include_router(cases_router, responses=ERRORS)
    app.include_router(users_router, responses=ERRORS)
    app.include_router(stories_router, responses=ERRORS)
    app.include_router(discovery_router, responses=ERRORS)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            # Starlette names the methods of the first route on the path; /searches has a GET and a POST route.
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed(app, request))}
        return await http_exception_handler(request, exc)

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(_: Request, exc: QuerySyntaxError) -> JSONResponse:
        detail: dict[str, Any] = {"message": str(exc), "reason": exc.reason, "position": exc.position}
        return JSONResponse({"detail": detail}, status_code=status.HTTP_400_BAD_REQUEST)

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(UsageError)
    async def _usage(_: Request, exc: UsageError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_400_BAD_REQUEST)

    @app.exception_handler(TransportLayerError)
    async def _es_down(_: Request, exc: TransportLayerError) -> JSONResponse:
        return JSONResponse(
            {"detail": f"Elasticsearch unavailable ({type(exc).__name__})"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    @app.exception_handler(ApiError)
    async def _es_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {"detail": f"Elasticsearch error: HTTP {exc.meta.status} {exc.error}"},
            status_code=status.HTTP_502_BAD_GATEWAY,
        )


def _allowed(app: FastAPI, request: Request) -> list[str]:
    """Every method some route takes on the request's path."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)

"""What the web UI's page modules share: the login-protected router they each make, Elasticsearch, the
UI's settings, and the redirect after a form post."""

from __future__ import annotations

import time
from typing import Annotated

from elasticsearch import Elasticsearch
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from surfaces.web import auth
from surfaces.web.settings import WebSettings, web_settings


def start_timer(request: Request) -> None:
    request.state.started = time.perf_counter()


def pages_router() -> APIRouter:
    """A router of pages under /ui that need a login (any role; routes that need more say so)."""
    return APIRouter(
        prefix="/ui", include_in_schema=False, dependencies=[Depends(start_timer), Depends(auth.require_login)]
    )


def _es(request: Request) -> Elasticsearch:
    es: Elasticsearch = request.app.state.es
    return es


ES = Annotated[Elasticsearch, Depends(_es)]
Settings = Annotated[WebSettings, Depends(web_settings)]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)

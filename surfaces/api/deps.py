"""What the API routes share: settings, one Elasticsearch client per app, bearer-token auth."""

from __future__ import annotations

from typing import Annotated, Any

from elasticsearch import Elasticsearch
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from search.settings import SearchSettings
from surfaces.access import need_viewer
from surfaces.users import User

_bearer = HTTPBearer(auto_error=False, description="a token of DOZOR_API_USERS or DOZOR_API_TOKENS")


def get_settings(request: Request) -> SearchSettings:
    settings: SearchSettings = request.app.state.settings
    return settings


def get_es(request: Request) -> Elasticsearch:
    es: Elasticsearch = request.app.state.es
    return es


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller (any role): its token checked in constant time against the configured ones (or their
    hashes) and the users file's; 401 without one, 429 while the caller's address must wait after
    repeated failures. Routes that need more add ``need_analyst`` / ``need_admin`` (surfaces/access.py)."""
    return need_viewer(request)


Settings = Annotated[SearchSettings, Depends(get_settings)]
ES = Annotated[Elasticsearch, Depends(get_es)]
Caller = Annotated[User, Depends(require_token)]
JSON = dict[str, Any]

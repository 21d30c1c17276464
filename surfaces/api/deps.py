"""What the API routes share: settings, one Elasticsearch client per app, bearer-token auth."""

from __future__ import annotations

from typing import Annotated, Any

from elasticsearch import Elasticsearch
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from search.settings import SearchSettings
from surfaces.auth import check_token

_bearer = HTTPBearer(auto_error=False, description="a token from DOZOR_API_TOKENS")


def get_settings(request: Request) -> SearchSettings:
    settings: SearchSettings = request.app.state.settings
    return settings


def get_es(request: Request) -> Elasticsearch:
    es: Elasticsearch = request.app.state.es
    return es


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's token (checked in constant time against the configured ones, or their hashes); 429
    while the caller's address must wait after repeated failures."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not check_token(request, credentials.credentials):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


Settings = Annotated[SearchSettings, Depends(get_settings)]
ES = Annotated[Elasticsearch, Depends(get_es)]
Token = Annotated[str, Depends(require_token)]
JSON = dict[str, Any]

"""What the API routes share: settings, one Elasticsearch client per app, bearer-token auth."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from elasticsearch import Elasticsearch
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from search.settings import SearchSettings

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
    """The caller's token (checked in constant time against the configured ones)."""
    settings = get_settings(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    given = credentials.credentials.encode()
    if not any(hmac.compare_digest(given, t.get_secret_value().encode()) for t in settings.api_tokens):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


Settings = Annotated[SearchSettings, Depends(get_settings)]
ES = Annotated[Elasticsearch, Depends(get_es)]
Token = Annotated[str, Depends(require_token)]
JSON = dict[str, Any]

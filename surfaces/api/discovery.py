"""Channel discovery over the HTTP API: suggestions (as `dozor channels suggest --json` prints them)
for any role; adding one to the registry for review is for analysts and admins (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from search.discovery import Suggestion
from search.filters import parse_when
from surfaces.access import Analyst
from surfaces.api.deps import ES, Settings, require_token
from surfaces.audit import Audit
from surfaces.discovery import NotSuggested, add_to_registry, registry_path, suggestions

router = APIRouter(prefix="/channels", dependencies=[Depends(require_token)], tags=["channels"])


class AddBody(BaseModel):
    channel: str = Field(min_length=2, max_length=64, description="a suggestion's key: @username or id:<channel id>")


@router.get("/suggestions")
def read_suggestions(
    request: Request,
    es: ES,
    settings: Settings,
    since: Annotated[str | None, Query(max_length=40, description="ISO date/datetime, or relative: 30d, 24h")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    include_bots: Annotated[bool, Query(description='also @names ending in "bot" with no channel behind them')] = False,
) -> list[Suggestion]:
    """Channels not watched yet that watched channels point to, best first, with evidence posts; a
    channel known by id and by @name is one suggestion (its other keys in `aliases`)."""
    try:
        start = parse_when(since)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"since: {exc}") from None
    return suggestions(es, settings, registry_path(request.app.state), start, limit, include_bots)


@router.post("/suggestions", status_code=status.HTTP_201_CREATED)
def add_suggestion(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, body: AddBody
) -> dict[str, Any]:
    """Write a disabled entry for a current suggestion into the suggestions file next to the registry
    (`channels.suggested.yaml`), for review; nothing is collected until it is moved into the registry."""
    try:
        return add_to_registry(es, settings, registry_path(request.app.state), body.channel, user, audit)
    except NotSuggested as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

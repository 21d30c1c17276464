"""Stories over the HTTP API (search/stories.py): stories by spread, and one story with its posts in
time order (a viewer sees the posts' people masked, as in /search)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from search.filters import parse_when
from search.redaction import redact_post
from search.stories import MAX_STORIES, list_stories, story_posts, summaries
from surfaces.access import Viewer
from surfaces.api.deps import ES, Settings, require_token
from surfaces.users import Role

router = APIRouter(prefix="/stories", dependencies=[Depends(require_token)], tags=["stories"])


@router.get("")
def read_stories(
    es: ES,
    settings: Settings,
    since: Annotated[str | None, Query(max_length=40, description="ISO date/datetime, or relative: 7d, 24h")] = None,
    min_posts: Annotated[int, Query(ge=1, le=10_000)] = 2,
    limit: Annotated[int, Query(ge=1, le=MAX_STORIES)] = 50,
) -> list[dict[str, Any]]:
    """Stories by spread (most channels first), as `dozor stories --json` prints them."""
    try:
        start = parse_when(since)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"since: {exc}") from None
    return [dict(s) for s in list_stories(es, settings, start, min_posts, limit)]


@router.get("/{story_id}")
def read_story(
    es: ES, settings: Settings, user: Viewer, story_id: str, limit: Annotated[int, Query(ge=1, le=500)] = 500
) -> dict[str, Any]:
    """`story`: the story's summary; `posts`: its posts, oldest first (deleted ones too)."""
    posts = story_posts(es, settings, story_id, limit=limit)
    if not posts:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no story {story_id!r}")
    summary = summaries(es, settings, [story_id])
    shown = [redact_post(p) if user.role is Role.viewer else dict(p) for p in posts]
    return {"story": summary[0] if summary else None, "posts": shown}

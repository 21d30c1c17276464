"""The web UI's story pages (login needed): stories by spread, and one story's timeline across channels
with its first post marked (a deleted first post keeps its place)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from search.filters import parse_when
from search.stories import list_stories, story_posts, summaries
from surfaces.web import auth
from surfaces.web.deps import ES, Settings
from surfaces.web.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(auth.require_login)])
SINCE_CHOICES = ("24h", "7d", "30d", "")


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request, es: ES, settings: Settings, since: str = "7d") -> HTMLResponse:
    since = since if since in SINCE_CHOICES else "7d"
    found = list_stories(es, settings, parse_when(since) if since else None, min_posts=2, limit=100)
    return page(request, "stories.html", stories=found, since=since, choices=SINCE_CHOICES)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, es: ES, settings: Settings, story_id: str) -> HTMLResponse:
    posts = story_posts(es, settings, story_id)
    if not posts:
        return page(request, "error.html", status_code=404, message_key="story.not_found")
    summary = summaries(es, settings, [story_id])
    return page(request, "story.html", story=summary[0] if summary else None, story_id=story_id, posts=posts)

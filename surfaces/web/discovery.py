"""The web UI's suggested channels (login needed): channels the watched ones point to that are not
watched yet, with their evidence posts; analysts and admins add one to the registry for review."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from ingest.suggested import suggested_path
from search.filters import parse_when
from surfaces.access import Analyst
from surfaces.audit import Audit
from surfaces.discovery import NotSuggested, add_to_registry, suggestions
from surfaces.web import auth
from surfaces.web.deps import ES, Settings, pages_router, redirect
from surfaces.web.render import page

pages = pages_router()
SINCE_CHOICES = ("7d", "30d", "90d", "")


@pages.get("/channels/suggested", response_class=HTMLResponse)
def suggested_page(
    request: Request, es: ES, settings: Settings, since: str = "30d", added: str = "", again: str = ""
) -> HTMLResponse:
    since = since if since in SINCE_CHOICES else "30d"
    found = suggestions(es, settings, settings.registry, parse_when(since) if since else None, limit=100)
    return page(
        request,
        "suggested.html",
        suggestions=found,
        since=since,
        choices=SINCE_CHOICES,
        added=added,
        again=again == "1",
        suggestions_file=str(suggested_path(settings.registry)),
    )


@pages.post("/channels/suggested/add")
def add_suggested(
    request: Request,
    es: ES,
    settings: Settings,
    user: Analyst,
    audit: Audit,
    channel: Annotated[str, Form(max_length=64)],
    since: Annotated[str, Form(max_length=8)] = "30d",
) -> Response:
    auth.check_same_origin(request)
    try:
        done = add_to_registry(es, settings, settings.registry, channel, user, audit)
    except NotSuggested as exc:
        return page(request, "error.html", status_code=404, message_key="suggested.not_found", detail=str(exc))
    again = "" if done["added"] else "&again=1"
    return redirect(f"/ui/channels/suggested?since={quote(since)}&added={quote(done['channel'])}{again}")

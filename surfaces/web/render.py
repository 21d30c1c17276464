"""Page rendering: one Jinja2 environment with autoescaping on for every template. Post text only
ever reaches a page escaped; highlighted snippets are escaped piece by piece, and only Dozor's own
<mark> tags are put back. User text (titles, names, posts) goes through `reveal` (hidden characters
marked, surfaces/web/text.py) inside an element that isolates its direction (`<bdi>`, `dir="auto"`)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE
from surfaces.web import alert_view
from surfaces.web.i18n import Translator, ui_lang
from surfaces.web.settings import taxonomy
from surfaces.web.text import hidden_in, isolated, reveal

HERE = Path(__file__).parent
_MARKS = re.compile(f"({re.escape(HIGHLIGHT_PRE)}|{re.escape(HIGHLIGHT_POST)})")


def highlight(snippet: str) -> Markup:
    out: list[str] = []
    inside = False
    for piece in _MARKS.split(snippet):
        if piece == HIGHLIGHT_PRE:
            inside = True
        elif piece == HIGHLIGHT_POST:
            inside = False
        elif piece:
            out.append(f"<mark>{reveal(piece)}</mark>" if inside else str(reveal(piece)))
    return Markup("".join(out))


def when(value: Any) -> str:
    """An ISO time as `2026-10-19 05:49 UTC` (input from the index is UTC)."""
    if not value:
        return ""
    text = str(value).replace("T", " ")
    return text[:16] + " UTC" if len(text) >= 16 else text


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["when"] = when
    env.filters["reveal"] = reveal
    env.filters["isolated"] = isolated
    env.globals["hidden_in"] = hidden_in
    env.globals["alert_summary"] = alert_view.summary
    env.globals["channel_label"] = alert_view.channel
    return env


ENV = _environment()


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page. The time spent since the request began goes out as a Server-Timing header."""
    lang = ui_lang(request)
    t = Translator(lang, taxonomy(request).label)
    user = getattr(request.state, "user", None)
    html = ENV.get_template(template).render(
        request=request, t=t, ui_lang=lang, path=request.url.path, user=user, **context
    )
    started = getattr(request.state, "started", None)
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
    headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    if started is not None:
        headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return HTMLResponse(html, status_code=status_code, headers=headers)

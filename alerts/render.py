"""Plain-text rendering of an alert for people (email, Telegram): the matched terms, channel,
language, topics, a link to the post and a short snippet."""

from __future__ import annotations

from typing import Any

from alerts.alert import Alert
from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchHit

SNIPPET_CHARS = 280


def snippet(post: SearchHit, limit: int = SNIPPET_CHARS) -> str:
    """The first highlighted fragment (marks shown as «»), else the start of the text."""
    fragments = post["highlight"]
    marked = fragments[0].replace(HIGHLIGHT_PRE, "«").replace(HIGHLIGHT_POST, "»") if fragments else ""
    return shorten(marked or post["text"], limit)


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def channel_label(channel: dict[str, Any]) -> str:
    title = channel.get("title") or channel.get("username") or str(channel.get("id", "?"))
    return f"{title} (@{channel['username']})" if channel.get("username") else str(title)


def subject(alert: Alert) -> str:
    return f"[Dozor] {alert.rule}: {shorten(alert.summary, 120)}"


def text(alert: Alert) -> str:
    lines = [f"Dozor alert — rule {alert.rule}", alert.summary]
    post = alert.post
    if post:
        channel = post.get("channel") or {}
        facts = [channel_label(channel), channel.get("category"), post.get("lang")]
        lines.append(" · ".join(str(f) for f in facts if f))
        if post.get("topics"):
            lines.append("Topics: " + ", ".join(post["topics"]))
    if alert.matched:
        lines.append("Matched: " + ", ".join(alert.matched))
    before, after = alert.details.get("before"), alert.details.get("after")
    if alert.type == "official_change":
        lines.append("Before: " + shorten(str(before or "(unknown)")))
        lines.append("After: " + (shorten(str(after)) if after is not None else "(deleted)"))
    elif post:
        lines.append("“" + snippet(post) + "”")
    if post and post.get("url"):
        lines.append(str(post["url"]))
    return "\n".join(lines)

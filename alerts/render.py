"""Plain-text rendering of an alert for people (email, Telegram): the matched terms, channel,
language, topics, a short snippet, then a link to the post and the alert id (the same on every resend,
so a reader or a filter can drop a repeat). ``text(alert, limit)`` cuts the body at a word so that the
link and the id always fit."""

from __future__ import annotations

from typing import Any

from alerts.alert import Alert
from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchHit

SNIPPET_CHARS = 280
LONGEST_WORD = 100  # how far back a cut looks for the start of the word it would split


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


def text(alert: Alert, limit: int | None = None) -> str:
    """The message; with ``limit`` (in UTF-16 code units), the body is cut at a word to fit."""
    body, tail = "\n".join(_body(alert)), "\n".join(_tail(alert))
    whole = f"{body}\n{tail}"
    if limit is None or utf16_len(whole) <= limit:
        return whole
    return f"{cut_at_word(body, limit - utf16_len(tail) - 1)}\n{tail}"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: a character beyond the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def cut_at_word(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-16 code units: cut at the last space before it, marked with "…"."""
    if utf16_len(text) <= limit:
        return text
    if limit < 1:
        return ""
    room, used, end = limit - 1, 0, len(text)  # room for the text before the "…"
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            end = i
            break
    head = text[:end]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space > 0 and len(head) - space <= LONGEST_WORD:  # else it is no word (a long link, a run of marks)
        head = head[:space]
    return head.rstrip() + "…"


def _tail(alert: Alert) -> list[str]:
    url = alert.post.get("url") if alert.post else None
    return ([str(url)] if url else []) + [f"Alert id: {alert.id}"]


def _body(alert: Alert) -> list[str]:
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
    return lines

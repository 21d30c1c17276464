"""A search hit as Dozor shows it: the ``dozor search --json`` object (docs/architecture.md, "Contracts"),
also the API's hits, the web UI's results and the post an alert carries."""

from __future__ import annotations

import re
from typing import Any, NotRequired, cast

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict  # pydantic validates a TypedDict from here only, on Python 3.11

from search.media import public, stored_items

HIGHLIGHT_PRE = "<mark>"
HIGHLIGHT_POST = "</mark>"


@with_config(ConfigDict(extra="allow"))
class SearchHit(TypedDict):
    """One post, as JSON: the keys in this order; the NotRequired ones only when the post has them."""

    id: str
    channel: dict[str, Any]  # the post's channel object: id, username, title, category, country
    message_id: int | None
    date: str | None
    lang: str
    script: str | None
    topics: list[str]
    text: str
    url: str | None  # the t.me permalink where the channel has a username
    highlight: list[str]  # marked-up snippets of the text
    edit_date: NotRequired[str]
    deleted_at: NotRequired[str]
    views: NotRequired[int]
    forwards: NotRequired[int]
    reactions: NotRequired[dict[str, int]]
    indexed_at: NotRequired[str]
    entities: NotRequired[dict[str, list[str]]]  # kind -> normalized values
    story: NotRequired[str]  # the story's id (its first post's id), shared by near-duplicate posts
    media: NotRequired[list[dict[str, Any]]]  # MediaItem fields: sha256, type, status, ocr_text when OCR ran...
    image_highlight: NotRequired[list[str]]  # marked-up snippets of the text read in its images
    source_kind: NotRequired[str]  # "group" or "comments"; a channel's posts carry none
    thread: NotRequired[dict[str, int]]  # a comment's channel post: channel_id, message_id
    sender: NotRequired[dict[str, Any]]  # who wrote a group message or comment: id, name (masked for viewers)


_WHEN_PRESENT = (
    "edit_date",
    "deleted_at",
    "views",
    "forwards",
    "reactions",
    "indexed_at",
    "story",
    "source_kind",
    "thread",
    "sender",
)


def permalink(channel: dict[str, Any], message_id: Any) -> str | None:
    username = channel.get("username")
    return f"https://t.me/{username}/{message_id}" if username and message_id is not None else None


def hit_to_json(hit: dict[str, Any]) -> SearchHit:
    """One Elasticsearch hit as a post."""
    src: dict[str, Any] = hit.get("_source") or {}
    channel = src.get("channel") or {}
    message_id = src.get("message_id")
    marks = hit.get("highlight") or {}
    out = SearchHit(
        id=src.get("id") or hit["_id"],
        channel=channel,
        message_id=int(message_id) if message_id is not None else None,
        date=src.get("date"),
        lang=src.get("lang", "und"),
        script=src.get("script"),
        topics=list(src.get("topics") or []),
        text=src.get("text") or "",
        url=permalink(channel, message_id),
        highlight=list(marks.get("text") or []),
    )
    cast("dict[str, Any]", out).update((key, src[key]) for key in _WHEN_PRESENT if src.get(key) is not None)
    if isinstance(src.get("entities"), dict):  # {kind: [values]}; posts enriched before it had a list
        out["entities"] = src["entities"]
    if src.get("media"):
        out["media"] = [public(item) for item in stored_items(src["media"])]
    return out


_WORD = re.compile(r"[^\W_]+(?:['ʻʼ’‘`][^\W_]+)*")


def mark_stems(text: str, lang: str, stems: set[str], *, fragments: int = 3, width: int = 160) -> list[str]:
    """Snippets of ``text`` with the words whose stems are in ``stems`` marked.

    Elasticsearch highlights prefixes of stems in the text; this covers what a prefix cannot: a
    Cyrillic post matched from a Latin query, or a stem that changes the word's ending (fuqarolik /
    fuqaroligini). It runs on the returned hits only.
    """
    from enrich.analysis import analyze

    spans = [m.span() for m in _WORD.finditer(text) if stems.intersection(analyze(m.group(), lang or "und"))]
    out: list[str] = []
    i = 0
    while i < len(spans) and len(out) < fragments:
        start = max(0, spans[i][0] - width // 3)
        end = min(len(text), start + width)
        parts, pos = [], start
        while i < len(spans) and spans[i][1] <= end:
            s, e = spans[i]
            parts.append(f"{text[pos:s]}{HIGHLIGHT_PRE}{text[s:e]}{HIGHLIGHT_POST}")
            pos = e
            i += 1
        if pos == start:  # a word longer than the window
            s, e = spans[i]
            parts.append(f"{HIGHLIGHT_PRE}{text[s:e]}{HIGHLIGHT_POST}")
            pos, i = e, i + 1
        parts.append(text[pos:end])
        out.append("".join(parts).strip())
    return out

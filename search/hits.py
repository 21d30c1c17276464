"""A search hit as Dozor shows it: the ``dozor search --json`` object (docs/architecture.md, "Contracts")."""

from __future__ import annotations

import re
from typing import Any

HIGHLIGHT_PRE = "<mark>"
HIGHLIGHT_POST = "</mark>"


def permalink(channel: dict[str, Any], message_id: Any) -> str | None:
    username = channel.get("username")
    return f"https://t.me/{username}/{message_id}" if username and message_id is not None else None


def hit_to_json(hit: dict[str, Any]) -> dict[str, Any]:
    """One Elasticsearch hit as a post: id, channel, message_id, date, lang, script, topics, text, url,
    highlight (marked-up snippets of the text), plus edit/delete dates and counters when present."""
    src: dict[str, Any] = hit.get("_source") or {}
    channel = src.get("channel") or {}
    message_id = src.get("message_id")
    marks = hit.get("highlight") or {}
    highlight = list(marks.get("text") or [])
    out: dict[str, Any] = {
        "id": src.get("id") or hit.get("_id"),
        "channel": channel,
        "message_id": int(message_id) if message_id is not None else None,
        "date": src.get("date"),
        "lang": src.get("lang", "und"),
        "script": src.get("script"),
        "topics": list(src.get("topics") or []),
        "text": src.get("text") or "",
        "url": permalink(channel, message_id),
        "highlight": highlight,
    }
    for key in ("edit_date", "deleted_at", "views", "forwards", "reactions", "indexed_at"):
        if src.get(key) is not None:
            out[key] = src[key]
    if isinstance(src.get("entities"), dict):  # {kind: [values]}; posts enriched before it had a list
        out["entities"] = src["entities"]
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

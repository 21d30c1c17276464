"""Entities that need no model: links, @mentions, #hashtags and phone numbers, in order of
appearance, each once. (Telegram's own entity lists from the collector are kept as they are.)"""

from __future__ import annotations

import re
from typing import Any

_ENTITY_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"')\]]+|\bt\.me/[^\s<>\"')\]]+)"
    r"|(?<![\w@])@(?P<mention>[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|(?<![\w#])#(?P<hashtag>[^\W_][\w]*)"
    r"|(?P<phone>(?<![\w+])\+?\d[\d\s()\-]{8,16}\d(?!\w))"
)


_MAYBE_RE = re.compile(r"[@#/]|www\.|\d[\d\s()\-]{8}")


def extract(text: str) -> list[dict[str, Any]]:
    if not _MAYBE_RE.search(text):
        return []
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for match in _ENTITY_RE.finditer(text):
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "url":
            value = value.rstrip(".,;:!?")
        elif kind == "phone":
            digits = re.sub(r"\D", "", value)
            if not 10 <= len(digits) <= 15:
                continue
            value = ("+" if value.startswith("+") else "") + digits
        key = (kind, value.casefold())
        if key not in seen:
            seen.add(key)
            found.append({"type": kind, "value": value, "start": match.start(kind)})
    return found

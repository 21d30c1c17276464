"""Entities that need no language: links, @mentions and #hashtags, as written (links without trailing
punctuation). Telegram's own entity lists from the collector stay in ``links``/``mentions``/``hashtags``."""

from __future__ import annotations

import re

from enrich.entities.post import Post

# One pattern per kind, each starting with its own literal, so a post is scanned fast.
_LINK = re.compile(r"https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+|t(?<!\w.)\.me/[^\s<>\"')\]]+")
_MENTION = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_HASHTAG = re.compile(r"#([^\W_]\w*)")
_WORD_BEFORE = re.compile(r"[\w@#]")


def _free(text: str, start: int) -> bool:
    """Not glued to a word before it (an e-mail address is no mention)."""
    return start == 0 or _WORD_BEFORE.match(text, start - 1) is None


def extract(post: Post) -> dict[str, list[str]]:
    text = post.text
    found: dict[str, list[str]] = {}
    if "/" in text or "www." in text:
        links = [m.group().rstrip(".,;:!?") for m in _LINK.finditer(text)]
        if links:
            found["link"] = links
    if "@" in text:
        mentions = [m.group(1) for m in _MENTION.finditer(text) if _free(text, m.start())]
        if mentions:
            found["mention"] = mentions
    if "#" in text:
        tags = [m.group(1) for m in _HASHTAG.finditer(text) if _free(text, m.start())]
        if tags:
            found["hashtag"] = tags
    return found

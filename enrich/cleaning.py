"""What the language detectors see of a post: its letters in words, nothing that would throw them.

- Characters CLD2 refuses as "invalid UTF-8" (C0/C1 controls but tab, newlines and form feed; lone
  surrogates; noncharacters): a NUL in a post must not send it to the DLQ. Found by feeding CLD2
  every code point. The post's ``text`` keeps them; only the detectors' copy loses them.
- NFKC: mathematical bold and italic letters (𝐇𝐞𝐚𝐭), full-width forms and ligatures are the plain
  letters, for the script count as for the detectors.
- HTML markup and entities, links, e-mail addresses, @mentions: English-looking noise around any text.
- Words with digits ("2й", "GTA5") and signs (_ # $).
- Hashtags: mostly CamelCase names (#DemonsSouls) that pull a Russian post towards English; kept
  only when the post has no other words.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Plane-final noncharacters U+xFFFE/U+xFFFF of all 17 planes.
_NONCHARACTERS = "".join(f"{chr(plane << 16 | 0xFFFE)}-{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
UNSAFE_RE = re.compile(f"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]+")
_MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+", re.IGNORECASE)
# Each starts where a token starts (the look-behind): a long run of letters is scanned once, not
# once per letter.
_HANDLE_RE = re.compile(r"(?<![\w.+-])[\w.+-]*@\w[\w.]*")  # @mentions and e-mail addresses
_HASHTAG_RE = re.compile(r"#\w+")
_LETTERS_RE = re.compile(r"[^\W\d_]{3}")
_DIGITS_RE = re.compile(r"(?<![\w-])[\w-]*\d[\w-]*")  # "2й", "13-й", "GTA5": the letters beside digits are no words
_NOISE_TABLE = str.maketrans({ch: " " for ch in "_#$"})


def safe(text: str) -> str:
    """``text`` without the characters CLD2 (and UTF-8 encoders, for surrogates) refuse."""
    return UNSAFE_RE.sub(" ", text)


def for_detection(text: str) -> str:
    """The language-bearing part of ``text`` (see the module notes)."""
    if "<" in text:
        text = _MARKUP_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)  # before the unsafe characters go: "&#0;" is one
    if not text.isascii():
        text = unicodedata.normalize("NFKC", safe(text))
    elif UNSAFE_RE.search(text):
        text = safe(text)
    if "//" in text or "www." in text or "t.me/" in text:
        text = _LINK_RE.sub(" ", text)
    if "@" in text:
        text = _HANDLE_RE.sub(" ", text)
    if "#" in text:
        untagged = _HASHTAG_RE.sub(" ", text)
        if _LETTERS_RE.search(untagged):
            text = untagged
    return _DIGITS_RE.sub(" ", text).translate(_NOISE_TABLE)

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

# In the Basic Multilingual Plane (a short class: four times faster than one with the other planes'
# noncharacters, which are rarer than rare and left to a retry, see noncharacters_removed).
UNSAFE_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]+")
_PLANE_ENDS = "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
_PLANE_END_RE = re.compile(f"[{_PLANE_ENDS}]+")
_MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+", re.IGNORECASE)
# Each starts where a token starts (the look-behind): a long run of letters is scanned once, not
# once per letter.
_HANDLE_RE = re.compile(r"(?<![\w.+-])[\w.+-]*@\w[\w.]*")  # @mentions and e-mail addresses
_HASHTAG_RE = re.compile(r"#\w+")
_LETTERS_RE = re.compile(r"[^\W\d_]{3}")
# "2й", "13-й", "GTA5": the letters beside digits are no words, so a run of [\w-] with a digit goes.
# In two passes that each start at a digit or a mark (a pattern starting with a look-behind tries
# every character, ~35 µs a post): from the first digit to the end of the run, then, on the reversed
# text, from the mark to the start of the run. NUL, the mark, cannot be in the text (safe() took it).
_DIGIT_TAIL_RE = re.compile(r"\d[\w-]*")
_MARKED_HEAD_RE = re.compile(r"\x00[\w-]*")
_SIGNS_RE = re.compile(r"[_#$]+")


def safe(text: str) -> str:
    """``text`` without controls (but tab, newlines, form feed), lone surrogates (which UTF-8
    cannot encode) and the noncharacters of the Basic Multilingual Plane."""
    return UNSAFE_RE.sub(" ", text)


# UNSAFE_RE's characters as UTF-8: C0 controls are single bytes (deleted by a C-speed translate to
# count them); C1 controls, surrogates and the noncharacters begin with C2, ED or EF. Both checks cost
# a fifth of the regex scan over a non-ASCII post.
_UNSAFE_C0 = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_UNSAFE_MULTIBYTE_RE = re.compile(rb"\xc2[\x80-\x9f]|\xed[\xa0-\xbf]|\xef(?:\xb7[\x90-\xaf]|\xbf[\xbe\xbf])")


def _may_be_unsafe(text: str) -> bool:
    """False when ``text`` has none of UNSAFE_RE's characters (True: perhaps; then safe() runs)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return len(data.translate(None, _UNSAFE_C0)) != len(data) or _UNSAFE_MULTIBYTE_RE.search(data) is not None


def noncharacters_removed(text: str) -> str:
    """``text`` without the noncharacters U+1FFFE ... U+10FFFF (CLD2 refuses them too)."""
    return _PLANE_END_RE.sub(" ", text)


def for_detection(text: str) -> str:
    """The language-bearing part of ``text`` (see the module notes)."""
    if "<" in text:
        text = _MARKUP_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)  # before the unsafe characters go: "&#0;" is one
    if not text.isascii():
        text = unicodedata.normalize("NFKC", safe(text) if _may_be_unsafe(text) else text)
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
    marked, runs = _DIGIT_TAIL_RE.subn("\x00", text)
    if runs:
        text = _MARKED_HEAD_RE.sub(" ", marked[::-1])[::-1]
    if "_" in text or "#" in text or "$" in text:
        text = _SIGNS_RE.sub(" ", text)
    return text

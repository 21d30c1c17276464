"""User text on a page: escaped, and with its invisible characters made visible.

Bidi controls (an RLO turns "счёт<RLO>gpj.exe" into "счётexe.jpg" on screen), zero-width characters
(they split a word so that a keyword filter misses it) and tag characters (they carry hidden ASCII)
are wrapped in a marker: the character itself stays, so copied text is the text as posted, and the
marker shows its short name (from CSS, not part of the text) with the code point in its title. Each
marker is its own bidi isolate, so an override inside it ends there and cannot reverse what follows.
Joiners between emoji or between letters of scripts that need them (Arabic, Indic) are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

# Short labels of the characters that are marked; the title gives the code point and Unicode name.
LABELS: dict[int, str] = {
    0x00AD: "SHY",
    0x034F: "CGJ",
    0x061C: "ALM",
    0x115F: "HF",
    0x1160: "HF",
    0x180E: "MVS",
    0x200B: "ZWSP",
    0x200C: "ZWNJ",
    0x200D: "ZWJ",
    0x200E: "LRM",
    0x200F: "RLM",
    0x202A: "LRE",
    0x202B: "RLE",
    0x202C: "PDF",
    0x202D: "LRO",
    0x202E: "RLO",
    0x2060: "WJ",
    0x2061: "INV",
    0x2062: "INV",
    0x2063: "INV",
    0x2064: "INV",
    0x2066: "LRI",
    0x2067: "RLI",
    0x2068: "FSI",
    0x2069: "PDI",
    0x206A: "FMT",
    0x206B: "FMT",
    0x206C: "FMT",
    0x206D: "FMT",
    0x206E: "FMT",
    0x206F: "FMT",
    0x3164: "HF",
    0xFEFF: "BOM",
    0xFFA0: "HF",
}
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
JOINERS = {0x200C, 0x200D}
_TAGS = "\U000e0001\U000e0020-\U000e007f"
_BLACK_FLAG = "\U0001f3f4"  # a subdivision flag is this followed by tag characters
_HIDDEN = re.compile("[" + "".join(chr(cp) for cp in LABELS) + "]|[" + _TAGS + "]+")
_VISIBLE_JOIN = ("LATIN", "CYRILLIC", "GREEK", "DIGIT")


@dataclass(frozen=True)
class Hidden:
    code: str  # U+202E
    label: str  # RLO
    name: str  # RIGHT-TO-LEFT OVERRIDE
    bidi: bool

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}"


def _hidden(char: str) -> Hidden:
    cp = ord(char)
    name = unicodedata.name(char, "FORMAT CHARACTER")
    return Hidden(f"U+{cp:04X}", LABELS.get(cp, "?"), name, cp in BIDI)


def _joiner_is_needed(text: str, start: int, end: int) -> bool:
    """A ZWJ/ZWNJ between two non-space characters of neither Latin, Cyrillic, Greek nor digits: an
    emoji sequence or a script that shapes with it (Arabic, Persian, Indic). Anywhere else it only
    splits a word."""
    if start == 0 or end >= len(text):
        return False
    for near in (text[start - 1], text[end]):
        if near.isspace() or near.isascii() or unicodedata.name(near, "").startswith(_VISIBLE_JOIN):
            return False
    return True


def _tags_are_a_flag(text: str, start: int, end: int) -> bool:
    return text[:start].endswith(_BLACK_FLAG) and text[end - 1] == "\U000e007f"


def _marker(hidden: Hidden, raw: str, title: str) -> str:
    cls = "hc bidi" if hidden.bidi else "hc"
    return (
        f'<span class="{cls}" data-cp="{hidden.code}" data-label="{escape(hidden.label)}" '
        f'title="{escape(title)}">{escape(raw)}</span>'
    )


def _found(text: str) -> list[tuple[int, int, Hidden, str]]:
    """(start, end, what, title) of every hidden character (a run of tag characters counts as one)."""
    out = []
    for m in _HIDDEN.finditer(text):
        start, end, raw = m.start(), m.end(), m.group()
        if ord(raw[0]) in JOINERS and _joiner_is_needed(text, start, end):
            continue
        if ord(raw[0]) >= 0xE0000:
            if _tags_are_a_flag(text, start, end):
                continue
            hidden = Hidden("U+E0000", "TAG", "TAG CHARACTERS", False)
            carried = "".join(chr(ord(c) - 0xE0000) for c in raw if 0xE0020 <= ord(c) <= 0xE007E)
            out.append((start, end, hidden, f"{len(raw)} tag characters, hidden text: {carried!r}"))
            continue
        hidden = _hidden(raw)
        out.append((start, end, hidden, hidden.title))
    return out


def reveal(value: object) -> Markup:
    """The text escaped for HTML, each hidden character in a visible marker."""
    text = "" if value is None else str(value)
    pieces: list[str] = []
    at = 0
    for start, end, hidden, title in _found(text):
        pieces.append(str(escape(text[at:start])))
        pieces.append(_marker(hidden, text[start:end], title))
        at = end
    pieces.append(str(escape(text[at:])))
    return Markup("".join(pieces))


def hidden_in(*texts: object) -> list[Hidden]:
    """The distinct hidden characters marked in these texts, for a legend, in order of code point."""
    seen: dict[str, Hidden] = {}
    for value in texts:
        for _, _, hidden, _ in _found("" if value is None else str(value)):
            seen.setdefault(hidden.code, hidden)
    return sorted(seen.values(), key=lambda h: h.code)


def isolated(value: object) -> str:
    """Plain text (a page title) between FSI and PDI: its direction and any override stay inside."""
    return "\u2068" + ("" if value is None else str(value)) + "\u2069"

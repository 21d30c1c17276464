"""Writing system of a text (ISO 15924) by counting letters per script with C-speed regexes."""

from __future__ import annotations

import re
import unicodedata

COMMON = "Zyyy"  # no letters at all: emoji, digits, punctuation

# Letter ranges of the scripts that matter here, most frequent first; anything else with letters
# counts as "Zzzz" (unknown) through the generic letter count.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Cyrl", re.compile(r"[\u0400-\u0481\u048a-\u052f\u1c80-\u1c88\u2de0-\u2dff\ua640-\ua69f]+")),
    ("Latn", re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u02bb\u02bc]+")),
    ("Arab", re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]+")),
    ("Grek", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]+")),
    ("Hebr", re.compile(r"[\u05d0-\u05ea]+")),
    ("Geor", re.compile(r"[\u10a0-\u10ff]+")),
    ("Armn", re.compile(r"[\u0531-\u0587]+")),
    ("Hani", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")),
    ("Deva", re.compile(r"[\u0900-\u097f]+")),
)
_LETTER = re.compile(r"[^\W\d_]+")


def _count(pattern: re.Pattern[str], text: str) -> int:
    """Characters matched (the patterns match runs, so there is one string per word, not per letter)."""
    return sum(map(len, pattern.findall(text)))


def script_counts(text: str) -> dict[str, int]:
    """Letters per script; scripts with no letters are left out."""
    counts: dict[str, int] = {}
    left = _count(_LETTER, text)
    for name, pattern in _SCRIPTS:
        if left <= 0:
            break
        n = _count(pattern, text)
        if n:
            counts[name] = n
            left -= n
    if left > 0:
        counts["Zzzz"] = left
    return counts


def dominant_script(counts: dict[str, int]) -> str:
    if not counts:
        return COMMON
    return max(counts.items(), key=lambda item: item[1])[0]


def script_of(text: str) -> str:
    """The dominant script of ``text`` once NFKC-folded (𝐇𝐞𝐚𝐭 is Latin)."""
    return dominant_script(script_counts(text if text.isascii() else unicodedata.normalize("NFKC", text)))

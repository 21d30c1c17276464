"""Writing system of a text (ISO 15924) by counting letters per script.

One pass: every code point maps (through a table built once from the ranges below) to a class, its
script and whether it is a letter, and numpy counts the classes. Counting each script with its own
regex cost ten scans and a string per word (~60 µs a post; this ~5 µs).
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Final

import numpy as np
import numpy.typing as npt

COMMON = "Zyyy"  # no letters at all: emoji, digits, punctuation

# Letter ranges of the scripts that matter here, most frequent first; anything else with letters
# counts as "Zzzz" (unknown) through the generic letter count.
SCRIPT_RANGES: Final[tuple[tuple[str, str], ...]] = (
    ("Cyrl", "\u0400-\u0481\u048a-\u052f\u1c80-\u1c88\u2de0-\u2dff\ua640-\ua69f"),
    ("Latn", "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u02bb\u02bc"),
    ("Arab", "\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc"),
    ("Grek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("Hebr", "\u05d0-\u05ea"),
    ("Geor", "\u10a0-\u10ff"),
    ("Armn", "\u0531-\u0587"),
    ("Hani", "\u4e00-\u9fff\u3400-\u4dbf"),
    ("Deva", "\u0900-\u097f"),
)
LETTER_RE: Final = re.compile(r"[^\W\d_]+")
# Lower-case letters counted one by one (on the lower-cased text) for the language deciders: the
# letters that tell the Cyrillic alphabets apart. Each (and every code point lower-casing to it) has
# a class of its own; they are Cyrillic letters in the script count.
MARKS: Final = "ӣӯҷўәұһіїєґңөүқғҳыэъђјљњћџѓќѕ"

_N_SCRIPTS = len(SCRIPT_RANGES)
# class = 2 * script (0: none, 1..: SCRIPT_RANGES) + is_letter; marks after those
_FIRST_MARK = 2 * (_N_SCRIPTS + 1)
_N_CLASSES = _FIRST_MARK + len(MARKS)
_ASCII_LETTERS = string.ascii_letters.encode()


def _spans(ranges: str) -> list[tuple[str, str]]:
    """``"A-Za-z\u02bb"`` as ``[("A", "Z"), ("a", "z"), ("\u02bb", "\u02bb")]``."""
    spans, i = [], 0
    while i < len(ranges):
        if ranges[i + 1 : i + 2] == "-":
            spans.append((ranges[i], ranges[i + 2]))
            i += 3
        else:
            spans.append((ranges[i], ranges[i]))
            i += 1
    return spans


def _class_table() -> npt.NDArray[np.uint8]:
    """The class of every code point (1.1 MB; ~0.1 s to build from the regex definitions)."""
    everything = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    script = np.zeros(0x110000, dtype=np.uint8)
    for index, (_, ranges) in enumerate(SCRIPT_RANGES, start=1):
        for first, last in _spans(ranges):
            span = script[ord(first) : ord(last) + 1]
            span[span == 0] = index  # the first listed script owns a shared code point
    letter = np.zeros(0x110000, dtype=np.uint8)
    for match in LETTER_RE.finditer(everything):
        letter[match.start() : match.end()] = 1
    table: npt.NDArray[np.uint8] = 2 * script + letter
    for offset, mark in enumerate(MARKS):
        for upper in {mark, mark.upper()}:
            if upper.lower() == mark:
                table[ord(upper)] = _FIRST_MARK + offset
    return table


_TABLE: Final = _class_table()


class Letters:
    """Letters per script of one text, and the marked letters (:data:`MARKS`) among them."""

    __slots__ = ("counts", "marks")

    def __init__(self, counts: dict[str, int], marks: dict[str, int]) -> None:
        self.counts = counts
        self.marks = marks


def letters_of(text: str) -> Letters:
    """:func:`script_counts` and the marked-letter counts of ``text`` in one pass."""
    if text.isascii():
        data = text.encode()
        n = len(data) - len(data.translate(None, _ASCII_LETTERS))
        return Letters({"Latn": n} if n else {}, {})
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    hist: list[int] = np.bincount(_TABLE.take(codes), minlength=_N_CLASSES).tolist()
    n_marks = sum(hist[_FIRST_MARK:])
    marks = {MARKS[i]: n for i, n in enumerate(hist[_FIRST_MARK:]) if n} if n_marks else {}
    counts: dict[str, int] = {}
    left = sum(hist[1:_FIRST_MARK:2]) + n_marks
    for index, (name, _) in enumerate(SCRIPT_RANGES, start=1):
        if left <= 0:
            break
        n = hist[2 * index] + hist[2 * index + 1] + (n_marks if index == 1 else 0)
        if n:
            counts[name] = n
            left -= n
    if left > 0:
        counts["Zzzz"] = left
    return Letters(counts, marks)


def script_counts(text: str) -> dict[str, int]:
    """Letters per script; scripts with no letters are left out. (A code point in a script's ranges
    counts for it, letter or not: Devanagari vowel signs; the first listed script owns a shared one.)"""
    return letters_of(text).counts


def dominant_script(counts: dict[str, int]) -> str:
    if not counts:
        return COMMON
    return max(counts.items(), key=lambda item: item[1])[0]


def script_of(text: str) -> str:
    """The dominant script of ``text`` once NFKC-folded (𝐇𝐞𝐚𝐭 is Latin)."""
    return dominant_script(script_counts(text if text.isascii() else unicodedata.normalize("NFKC", text)))

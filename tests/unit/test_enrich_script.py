"""The one-pass letter count (enrich.script) against its definition: the per-script regexes, the
generic letter class, and the lower-cased marked letters, counted one by one."""

from __future__ import annotations

import random
import re
from collections import Counter

from enrich.script import MARKS, SCRIPT_RANGES, dominant_script, letters_of, script_counts, script_of

_PATTERNS = [(name, re.compile(f"[{ranges}]+")) for name, ranges in SCRIPT_RANGES]
_LETTER = re.compile(r"[^\W\d_]+")
_MARK = re.compile(f"[{MARKS}]")


def _by_regex(text: str) -> dict[str, int]:
    """The definition: all letters, then each script's characters in order while letters are left."""
    counts: dict[str, int] = {}
    left = sum(map(len, _LETTER.findall(text)))
    for name, pattern in _PATTERNS:
        if left <= 0:
            break
        if n := sum(map(len, pattern.findall(text))):
            counts[name] = n
            left -= n
    if left > 0:
        counts["Zzzz"] = left
    return counts


def test_every_basic_plane_code_point_counts_as_its_definition() -> None:
    for code in range(0x10000):
        ch = chr(code)
        assert script_counts(ch) == _by_regex(ch), hex(code)
        assert letters_of(ch).marks == dict(Counter(_MARK.findall(ch.lower()))), hex(code)


def test_mixed_texts_count_as_their_definition() -> None:
    rng = random.Random(7)
    pool = [chr(c) for c in [*range(0x20, 0x600), *range(0x1C80, 0x1C90), *range(0x2DE0, 0x2E00),
                             *range(0x4E00, 0x4E10), *range(0xA640, 0xA6A0), *range(0xFB50, 0xFB60),
                             0x1D407, 0x1F600, 0x10FFFF, 0xD800, 0x0, 0x1F1FA]]  # fmt: skip
    pool += [*"ӢӮҶЎӘҰҺІЇЄҐҢӨҮҚҒҲЫЭЪЂЈЉЊЋЏЃЌЅыэъ", "Привет, ", "Salom! "]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 80)))
        got = letters_of(text)
        assert got.counts == _by_regex(text), text
        assert got.marks == dict(Counter(_MARK.findall(text.lower()))), text


def test_dominant_script_of_plain_posts() -> None:
    assert script_of("Проверки прошли в Москве, Tashkent") == "Cyrl"
    assert script_of("𝐇𝐞𝐚𝐭 wave") == "Latn"
    assert script_of("امروز هوا") == "Arab"
    assert script_of("12345 😂") == "Zyyy"
    assert dominant_script(script_counts("Қазақстан")) == "Cyrl"
    assert letters_of("ҚАЗАҚСТАН іі").marks == {"қ": 2, "і": 2}

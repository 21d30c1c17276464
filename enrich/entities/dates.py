"""Dates and deadlines, normalized to ISO ``YYYY-MM-DD``: "до 1 января", "1-yanvargacha",
"1 желтоқсанға дейін", "то 1 декабр", "December 15", "15.12.2026", "с 1 по 15 декабря" (both ends).
A date written without its year gets the year that puts it nearest the post's date (a deadline
posted in November for "1 January" is next year's). Only whole days count: a month or a year alone
is not a date.

Matched on the normalized text (lower case; Uzbek in Latin letters, so January is "yanvar" in both).
"""

from __future__ import annotations

import re
from datetime import date

from enrich.entities.post import Post

_MONTHS: list[tuple[int, str]] = [
    (1, r"январ\w*|yanvar\w*|қаңтар\w*|january"),
    (2, r"феврал\w*|fevral\w*|ақпан\w*|february"),
    (3, r"март\w*|mart(?:\b|da|dan|gacha|ga|ning)\w*|наурыз\w*|march"),
    (4, r"апрел\w*|aprel\w*|сәуір\w*|april"),
    (5, r"ма[йяе](?!\w)|маи|май\w+|мамыр\w*|may(?:\b|da|dan|gacha|ga|ning)\w*"),
    (6, r"июн\w*|iyun\w*|маусым\w*|june"),
    (7, r"июл\w*|iyul\w*|шілде\w*|july"),
    (8, r"август\w*|avgust\w*|тамыз\w*|august"),
    (9, r"сентябр\w*|sentabr\w*|sentyabr\w*|қыркүйек\w*|september"),
    (10, r"октябр\w*|oktabr\w*|oktyabr\w*|қазан\w*|october"),
    (11, r"ноябр\w*|noyabr\w*|қараша\w*|november"),
    (12, r"декабр\w*|dekabr\w*|желтоқсан\w*|december"),
]
_MONTH = "|".join(f"(?P<m{n}>{words})" for n, words in _MONTHS)
_ORDINAL = r"(?:-?(?:го|е|ое|inchi|nchi|chi|уми|юми|и|st|nd|rd|th))?"
_YEAR_WORD = r"(?:\s*-?\s*(?:yil\w*|йил\w*|жыл\w*|года?|г\.|сол\w*))?"
_DAY_MONTH = re.compile(
    rf"(?<![\d.:])(?=\d)(?:(?P<y0>(?:19|20)\d\d){_YEAR_WORD}\s+)?"
    rf"(?:(?P<d0>\d{{1,2}})(?:\s*(?:-|–|—|по|до)\s*|\s+(?:и|and|va|ва|және|жана)\s+))?"
    rf"(?P<d>\d{{1,2}}){_ORDINAL}\s*-?\s*(?:of\s+)?(?:{_MONTH})(?!\w)(?:\s*,?\s*(?P<y>(?:19|20)\d\d)(?!\d))?"
)
_ENGLISH = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_EN_MONTH = "|".join(f"(?P<m{n}>{name})" for n, name in enumerate(_ENGLISH, start=1))  # "December 15"
_MONTH_DAY = re.compile(
    rf"(?<!\w)(?:{_EN_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<y>(?:19|20)\d\d)(?!\d))?"
)
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})(?![\d]|\.\d)")
_MONTH_HINT = re.compile(
    r"январ|феврал|март|апрел|ма[йяеи]|июн|июл|август|сентябр|октябр|ноябр|декабр|yanvar|fevral|mart|aprel|may|"
    r"iyun|iyul|avgust|sent|okt|noyabr|dekabr|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|"
    r"қараша|желтоқсан|january|february|march|april|june|july|august|september|october|november|december"
)
_ISO = re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])")


def _month(match: re.Match[str]) -> int:
    for n, _ in _MONTHS:
        if match.group(f"m{n}"):
            return n
    return 0


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(month: int, day: int, posted: date) -> date | None:
    """The date with that month and day nearest ``posted`` (last year, this year or next)."""
    options = [d for d in (_make(posted.year + k, month, day) for k in (-1, 0, 1)) if d is not None]
    return min(options, key=lambda d: abs((d - posted).days)) if options else None


def _resolve(year: str | None, month: int, day: int, posted: date) -> date | None:
    if year:
        return _make(int(year), month, day)
    return _nearest(month, day, posted)


_LINK = re.compile(r"(?:https?://|www\.|t\.me/)\S+")


def extract(post: Post) -> list[str]:
    norm = post.norm
    if not post.has_digits:
        return []
    found: list[date | None] = []
    # A date inside a link (".../2017-12-12/story") is part of an address, not one the post names.
    taken: list[tuple[int, int]] = [m.span() for m in _LINK.finditer(norm)] if "/" in norm or "www." in norm else []
    # The patterns are tried only where a number starts (Post.scan), never searched over the whole text.
    for match in (*post.scan(_ISO), *post.scan(_NUMERIC)):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        number = int(match.group("y"))
        found.append(_make(number + 2000 if number < 100 else number, int(match.group("m")), int(match.group("d"))))
        taken.append(match.span())
    matches = post.scan(_DAY_MONTH)
    if post.lang == "en" and _MONTH_HINT.search(norm):  # "December 15"
        matches += _MONTH_DAY.finditer(norm)
    for match in matches:
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        month = _month(match)
        groups = match.groupdict()
        year: str | None = groups.get("y") or groups.get("y0")
        if groups.get("d0"):
            found.append(_resolve(year, month, int(match.group("d0")), post.posted))
        found.append(_resolve(year, month, int(match.group("d")), post.posted))
        taken.append(match.span())
    return [d.isoformat() for d in found if d is not None]

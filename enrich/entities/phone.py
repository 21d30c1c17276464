"""Phone numbers, normalized to E.164 (``+79161234567``) with phonenumbers (Google's libphonenumber
metadata): a number written without its country code is read in the channel's country (else the
post language's), and kept only when it is a valid number there.

A cheap pattern finds the candidates first (runs of 9-15 digits with the usual separators), so posts
without one never reach the library.
"""

from __future__ import annotations

import re

import phonenumbers

from enrich.entities.post import Post

_CANDIDATE = re.compile(r"(?<![\w+])\+?\d[\d\s()\-\u2010-\u2015]{7,22}\d(?!\w)")
_NINE_DIGITS = re.compile(r"\d(?:[\s()\-\u2010-\u2015]{0,3}\d){8}")
_SEPARATORS = re.compile(r"[\s()\-\u2010-\u2015]+")
# Numbers from Russia and Kazakhstan (+7) appear in posts of every Central Asian channel.
_FALLBACK = "RU"


def _parse(candidate: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _split(run: str) -> list[str]:
    """Numbers written one after another ("+998 90 ... +7 916 ...") are tried one by one."""
    parts = [p for p in re.split(r"(?=\+)", run) if p.strip()]
    return parts if len(parts) > 1 else [run]


def extract(post: Post) -> list[str]:
    text = post.text
    if not post.has_digits or _NINE_DIGITS.search(text) is None:
        return []
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        for candidate in _split(match.group().strip()):
            digits = _SEPARATORS.sub("", candidate)
            if not 9 <= len(digits.lstrip("+")) <= 15:
                continue
            if len(_SEPARATORS.split(candidate.strip())[-1]) == 1:
                continue  # no number plan ends in a lone digit: "в 2013-2014 2 миллиона" is a count
            number = _parse(candidate, post.region)
            if number is None and not candidate.startswith("+") and post.region != _FALLBACK:
                number = _parse(candidate, _FALLBACK)
            if number is not None:
                found.append(number)
    return found

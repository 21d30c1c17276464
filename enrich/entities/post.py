"""What every extractor reads: a post's text in its forms (as written, normalized, words and stems, with
where each word is) and the hints from around it (the post's date, the channel's country)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

from enrich.analysis import tokenize
from enrich.normalize import normalize
from enrich.stemming import stem_words

# The same words as enrich.analysis.tokenize, found with their places (links and @mentions blanked out
# with spaces, so offsets stay those of the normalized text).
# (Each alternative starts with its literal, the look-behind after it: the regex engine skips ahead.)
_URL_RE = re.compile(r"https?://\S+|www\.\S+|t\.me/\S+|@(?<![\w@]@)\w+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES_RE = re.compile(r"[ʻʼ'`’‘´ʹ′ʽ](?<=\w.)(?=\w)")
_DIGIT_RE = re.compile(r"\d")
_NUMBER_RE = re.compile(r"\d+")

# The channel's country, or else the language, says which country a bare phone number or law is from.
LANG_COUNTRY = {"ru": "RU", "uz": "UZ", "kk": "KZ", "ky": "KG", "tg": "TJ"}


@dataclass(frozen=True)
class Hints:
    """What the record says beyond its text: when it was posted, the channel's country (ISO 3166)."""

    posted: date | None = None
    country: str | None = None


def _blank(text: str) -> str:
    if "//" in text or "www." in text or "t.me/" in text or "@" in text:
        return _URL_RE.sub(lambda m: " " * len(m.group()), text)
    return text


@dataclass
class Post:
    text: str
    lang: str
    norm: str
    tokens: list[str]
    stems: list[str]
    hints: Hints = field(default_factory=Hints)

    @classmethod
    def of(
        cls,
        text: str,
        lang: str,
        hints: Hints | None = None,
        *,
        norm: str | None = None,
        tokens: list[str] | None = None,
        stems: list[str] | None = None,
    ) -> Post:
        """A post from its text; the normalized forms are computed unless the enricher already has them."""
        if norm is None:
            norm = normalize(text, lang)
        if tokens is None or stems is None:
            tokens = tokenize(norm)
            stems = stem_words(tokens, lang)
        return cls(text, lang, norm, tokens, stems, hints or Hints())

    @property
    def posted(self) -> date:
        return self.hints.posted or datetime.now(UTC).date()

    @property
    def region(self) -> str:
        """The country a bare number or code most likely belongs to."""
        country = (self.hints.country or "").upper()
        return country if len(country) == 2 else LANG_COUNTRY.get(self.lang, "RU")

    @cached_property
    def _first_digit(self) -> int:
        found = _DIGIT_RE.search(self.norm)
        return -1 if found is None else found.start()

    @property
    def has_digits(self) -> bool:
        """No number, no law article, sum, phone or date: most extractors stop here."""
        return self._first_digit >= 0

    @cached_property
    def numbers(self) -> list[int]:
        """Where each run of digits starts in ``norm``: patterns that begin with a number are tried
        there only, not at every character (the text before the first digit is not read again)."""
        first = self._first_digit
        return [m.start() for m in _NUMBER_RE.finditer(self.norm, first)] if first >= 0 else []

    def scan(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Non-overlapping matches of ``pattern`` that start at a number of ``norm``."""
        found: list[re.Match[str]] = []
        end = 0
        for start in self.numbers:
            if start >= end:
                match = pattern.match(self.norm, start)
                if match is not None:
                    found.append(match)
                    end = match.end()
        return found

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Where each word is in ``norm`` (empty when it does not line up with ``tokens``)."""
        found = [m.span() for m in _TOKEN_RE.finditer(_blank(self.norm))]
        return found if len(found) == len(self.tokens) else []

    @cached_property
    def written(self) -> list[str]:
        """The words as written (case kept), one per token; empty when they do not line up."""
        text = _APOSTROPHES_RE.sub("'", unicodedata.normalize("NFKC", self.text))
        found = _TOKEN_RE.findall(_blank(text))
        return found if len(found) == len(self.tokens) else []

    def capitalized(self, index: int) -> bool:
        """Whether word ``index`` is written with a capital letter (true when that cannot be told)."""
        written = self.written
        return not written or written[index][:1].isupper()

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The words that a span ``[start, end)`` of ``norm`` covers, as a token index range."""
        first = last = -1
        for i, (s, e) in enumerate(self.spans):
            if s < end and start < e:
                if first < 0:
                    first = i
                last = i + 1
        return (first, last) if first >= 0 else (0, 0)

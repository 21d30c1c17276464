"""The text analysis shared by the enricher (``text_norm``, ``text_stem``, topic matching) and the
search side (query terms): one code path, so a query term meets a post in the same form.

- :func:`normalize` — ``text_norm``.
- :func:`analyze` — normalize + tokenize + stem; a post's ``text_stem`` is ``" ".join(analyze(text, lang))``.
- :func:`query_languages` — the stemmer languages to try for a query term.
"""

from __future__ import annotations

import re

from enrich.normalize import MARKS_BEFORE_STEMMING, normalize
from enrich.script import script_of
from enrich.stemming import stem_words

__all__ = [
    "CYRILLIC_LANGS",
    "LATIN_LANGS",
    "MARKS_BEFORE_STEMMING",
    "analyze",
    "normalize",
    "query_languages",
    "tokenize",
]

# Which stemmers a query term in a script may need (docs/architecture.md).
CYRILLIC_LANGS = ["ru", "uk", "kk", "ky", "tg", "uz"]
LATIN_LANGS = ["en", "uz"]
NO_LANG = "und"

_URL_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+|(?<![\w@])@\w+")
# Words: letters and digits, with an apostrophe inside (o'zbek, don't, м'ясо); no underscores.
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def tokenize(normalized: str) -> list[str]:
    """Words of an already normalized text; links and @mentions are left out."""
    if "//" in normalized or "www." in normalized or "t.me/" in normalized or "@" in normalized:
        normalized = _URL_RE.sub(" ", normalized)
    return _TOKEN_RE.findall(normalized)


def analyze(text: str, lang: str) -> list[str]:
    """Normalize ``text`` for ``lang``, split it into words, stem each in ``lang``."""
    return stem_words(tokenize(normalize(text, lang)), lang)


def query_languages(text: str, lang: str | None) -> list[str]:
    """``[lang]`` when given, else every language whose stemmer the script of ``text`` allows."""
    if lang:
        return [lang]
    script = script_of(text)
    if script == "Cyrl":
        return list(CYRILLIC_LANGS)
    if script == "Latn":
        return list(LATIN_LANGS)
    return [NO_LANG]

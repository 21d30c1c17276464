"""One stemmer per language: Snowball (PyStemmer) where it has the language, pymorphy3 lemmas for
Ukrainian (Snowball has none), suffix rules for Uzbek, Kazakh, Kyrgyz and Tajik.

Words come in normalized (see :mod:`enrich.normalize`). Languages with no stemmer keep their words.
Turkish words keep their diacritics for the stemmer; the stems lose them, as every other word did.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import Stemmer

from enrich.normalize import MARKS_BEFORE_STEMMING, fold_marks
from enrich.suffixes import KAZAKH, KYRGYZ, UZBEK, tajik_stem

SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

_CACHE = 200_000  # words per language; a post stream's vocabulary is Zipfian


@cache
def morph(lang: str) -> Any:
    """pymorphy3's analyzer for ``lang`` (ru, uk), loaded on first use."""
    import pymorphy3  # loaded only when a Ukrainian post or query comes, or Russian looks Ukrainian

    return pymorphy3.MorphAnalyzer(lang=lang)


def word_parses(lang: str, word: str) -> list[Any]:
    """pymorphy3's parses of ``word``, most likely first; none for a word it cannot read: it asks
    unicodedata for the name of each letter of an unknown word, and some letters have none (ValueError)."""
    try:
        return list(morph(lang).parse(word))
    except ValueError:
        return []


@lru_cache(maxsize=_CACHE)
def _uk_lemma(word: str) -> str:
    if not word.isalpha() and "'" not in word:
        return word
    parses = word_parses("uk", word)
    return str(parses[0].normal_form) if parses else word


_RULES: dict[str, Callable[[str], str]] = {
    "uz": lru_cache(maxsize=_CACHE)(UZBEK.stem),
    "kk": lru_cache(maxsize=_CACHE)(KAZAKH.stem),
    "ky": lru_cache(maxsize=_CACHE)(KYRGYZ.stem),
    "tg": lru_cache(maxsize=_CACHE)(tajik_stem),
    "uk": _uk_lemma,
}


@cache
def _snowball(lang: str) -> Any:
    stemmer = Stemmer.Stemmer(SNOWBALL[lang])
    stemmer.maxCacheSize = _CACHE
    return stemmer


_STEMS: dict[str, dict[str, str]] = {}  # lang -> word -> stem: a post's words are mostly known ones


def stem_words(words: list[str], lang: str) -> list[str]:
    """Stems of ``words`` (already normalized) in ``lang``; unknown languages keep the words. Each
    distinct word not seen before is stemmed once; the rest are dict lookups (at C speed)."""
    rule = _RULES.get(lang)
    if rule is None and lang not in SNOWBALL:
        return words
    known = _STEMS.get(lang)
    if known is None:
        known = _STEMS[lang] = {}
    unseen = set(words).difference(known)
    if unseen:
        if len(known) + len(unseen) > _CACHE:  # a bounded cache: start over (never mid-post)
            known.clear()
            unseen = set(words)
        new = list(unseen)
        if rule is not None:
            known.update(zip(new, map(rule, new), strict=True))
        else:
            stems: list[str] = _snowball(lang).stemWords(new)
            if lang in MARKS_BEFORE_STEMMING:
                stems = [fold_marks(stem) for stem in stems]
            known.update(zip(new, stems, strict=True))
    return list(map(known.__getitem__, words))

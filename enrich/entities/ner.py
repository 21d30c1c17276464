"""Russian person names with natasha's news NER model (slovnet over navec embeddings; the weights ship
inside the natasha package, nothing is fetched). Off by default: it tags some 200-350 posts per CPU
second, ten times slower than the rest of the enrichment, so with ``DOZOR_ENRICH_NER=natasha`` it runs
only on Russian posts where a cheap check finds two capitalized words in a row inside a sentence (a
name is likely); the pattern extractor (:mod:`.person`) runs on every post either way.

Names come out in the nominative ("Алишеру Каримову" -> ``Алишер Каримов``) via pymorphy3.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from dozor.errors import ConfigError
from enrich.stemming import word_parses

# Two capitalized Russian words in a row, not at the start of a sentence.
_MAYBE = re.compile(r"(?<=[а-яё0-9,;:»)] )[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ][а-яё]{2,}")
_NAME_TAGS = ("Name", "Surn", "Patr")
_NOMINATIVE_SURNAME = re.compile(r"(?:ов|ев|ин|ын|ский|цкий|ова|ева|ина|ына|ская|цкая)$")


def load() -> None:
    """Load the model now, or fail naming the fix (at start, not on the first Russian post)."""
    try:
        _tagger()
    except ImportError:
        raise ConfigError("DOZOR_ENRICH_NER=natasha needs the natasha package: pip install 'dozor[ner]'") from None


def maybe_person(text: str) -> bool:
    return _MAYBE.search(text) is not None


@cache
def _tagger() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@lru_cache(maxsize=65536)
def _nominative(word: str, female: bool | None) -> str:
    if _NOMINATIVE_SURNAME.search(word):  # pymorphy reads an unknown "Асадов" as a plural
        return word
    for parse in word_parses("ru", word):
        if not any(tag in parse.tag for tag in _NAME_TAGS):
            continue
        if female is not None and parse.tag.gender not in (None, "femn" if female else "masc"):
            continue
        form = parse.inflect({"nomn"})
        if form is not None:
            return str(form.word).capitalize()
    return word


def _normalize(name: str) -> str:
    words = name.replace("ё", "е").replace("Ё", "Е").split()
    if not words:
        return name
    first = word_parses("ru", words[0])
    female = next((p.tag.gender == "femn" for p in first if "Name" in p.tag), None)
    return " ".join(_nominative(w, female) for w in words)


def people(text: str) -> list[str]:
    """Person names natasha finds in a Russian ``text``, in the nominative."""
    markup = _tagger()(text)
    return [_normalize(text[s.start : s.stop]) for s in markup.spans if s.type == "PER"]

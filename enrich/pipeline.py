"""The enrichment itself: one pure function over a record, the same for Kafka, JSONL and tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from dozor.records import Enrichment, searchable_text
from enrich import entities, topics
from enrich.analysis import Odd, surface, tokenize, tokenize_runs
from enrich.language import UNDETERMINED, Detection, detect, load_models
from enrich.normalize import normalize
from enrich.simhash import simhash
from enrich.stemming import stem_words

ENRICHED_FIELDS = tuple(Enrichment.model_fields)


class Core(NamedTuple):
    """What the enrichment works out before entities: language and script, ``text_norm``, its words,
    their stems, and the topics with the words that matched them."""

    detection: Detection
    norm: str
    tokens: list[str]
    stems: list[str]
    hits: dict[str, list[str]]


class Enricher:
    """Adds the enriched fields to records; holds the (compiled, cached) taxonomy."""

    def __init__(self, taxonomy: topics.Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy or topics.default()

    def load_models(self) -> None:
        """Load what the first posts would otherwise load as they come: the language detectors'
        profiles and dictionaries, the term index of every taxonomy language, the entity name lists
        (services call this at start)."""
        load_models()
        for lang in sorted(self.taxonomy.languages):
            self.taxonomy.matcher(lang)
        entities.load_models(self.taxonomy.languages)

    def enrichment(self, text: str, hints: entities.Hints | None = None) -> Enrichment:
        """What the enricher adds to a post with this text (``hints``: its date and channel country)."""
        return self.enrichment_and_words(text, hints)[0]

    def enrichment_and_words(self, text: str, hints: entities.Hints | None = None) -> tuple[Enrichment, list[str]]:
        """:meth:`enrichment`, and the words of its ``text_norm`` (the story signature is made of them)."""
        (lang, score, script), norm, tokens, stems, hits = self.core(text)
        enrichment = Enrichment(
            lang=lang,
            lang_score=score,
            script=script,
            topics=list(hits),
            topic_hits=hits,
            text_norm=norm,
            text_stem=" ".join(stems),
            entities=entities.extract(text, lang, hints, norm=norm, tokens=tokens, stems=stems),
            simhash=simhash(stems),
            enriched_at=datetime.now(UTC),
        )
        return enrichment, tokens

    def core(self, text: str) -> Core:
        """Language, script, normalized text, words, stems and topics of a post with this text."""
        detection = detect(text)
        lang = detection.lang
        norm = normalize(text, None if lang == UNDETERMINED else lang)
        tokens, odd = tokenize_runs(norm)
        stems = stem_words(tokens, lang)
        return Core(detection, norm, tokens, stems, self._tag(text, lang, tokens, stems, odd))

    def fields(self, text: str, hints: entities.Hints | None = None) -> dict[str, Any]:
        """The enriched fields of a post text, as JSON values."""
        return self.enrichment(text, hints).model_dump(mode="json")

    def topic_hits(self, text: str, lang: str) -> dict[str, list[str]]:
        """The ``topic_hits`` of a text read as ``lang``: topic -> the words that matched it."""
        tokens = tokenize(normalize(text, None if lang == UNDETERMINED else lang))
        return self._tag(text, lang, tokens, stem_words(tokens, lang))

    def _tag(
        self, text: str, lang: str, tokens: list[str], stems: list[str], odd: Odd | None = None
    ) -> dict[str, list[str]]:
        if not tokens:
            return {}
        written = surface(text, None if lang == UNDETERMINED else lang, tokens, odd)
        return self.taxonomy.tag(tokens, stems, lang, written)

    def enrich(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` plus the enriched fields (a new dict; the input is left as it is)."""
        return self.enrich_and_words(record)[0]

    def enrich_and_words(self, record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """:meth:`enrich`, and the words of its ``text_norm`` (for the story assignment)."""
        text = record.get("text", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__}")
        enrichment, words = self.enrichment_and_words(searchable_text(record), entities.hints_of(record))
        out = dict(record)
        out.update(enrichment.model_dump(mode="json"))
        return out, words


@cache
def default_enricher() -> Enricher:
    return Enricher()


def enrich_record(record: dict[str, Any]) -> dict[str, Any]:
    """The per-record enrichment with the default taxonomy: ``record`` plus the enriched fields."""
    return default_enricher().enrich(record)

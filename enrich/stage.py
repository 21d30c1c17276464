"""The enrich stage: ``posts.raw`` records (validated by the stage runner) enriched to
``posts.enriched``, keyed by channel id; a record that fails validation or enrichment goes to the DLQ
with the reason."""

from __future__ import annotations

from collections.abc import Iterator

from dozor import topics
from dozor.records import RawPost, searchable_text
from dozor.stream import Output, Record, Stage, record_stage
from enrich.entities import hints_of
from enrich.pipeline import Enricher

STAGE_NAME = "enrich"


def make_stage(enricher: Enricher) -> Stage:
    def enrich(record: Record[RawPost]) -> Iterator[Output]:
        # The record goes on as it came, plus the new fields (over the text and a poll's words).
        wire = record.wire
        enriched = {**wire, **enricher.fields(searchable_text(wire), hints_of(wire))}
        yield Output(topics.ENRICHED.name, topics.dumps(enriched), str(record.value.channel.id).encode())

    return record_stage(topics.RAW, enrich)

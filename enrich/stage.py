"""The enrich stage: ``posts.raw`` records (validated by the stage runner) enriched to
``posts.enriched``, keyed by channel id; a record that fails validation or enrichment goes to the DLQ
with the reason. With a story assigner, each batch's posts then get their ``story`` (one lookup of the
batch's LSH bands; :mod:`enrich.stories`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dozor import topics
from dozor.dlq import describe
from dozor.records import RawPost, enrichment_json, searchable_text
from dozor.stream import BatchResult, Message, Output, Record, Rejected, Stage, decoded
from enrich.entities import hints_of
from enrich.pipeline import Enricher
from enrich.stories import StoryAssigner, assign_records

STAGE_NAME = "enrich"


def make_stage(enricher: Enricher, stories: StoryAssigner | None = None) -> Stage:
    def stage(batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        done: list[tuple[Record[RawPost], dict[str, Any]]] = []
        words: list[list[str]] = []  # each enriched record's words of its text_norm
        for record in decoded(topics.RAW, batch, result.rejected):
            try:
                # The record goes on as it came, plus the new fields (over the text and a poll's words).
                wire = record.wire
                enrichment, tokens = enricher.enrichment_and_words(searchable_text(wire), hints_of(wire))
                done.append((record, {**wire, **enrichment_json(enrichment)}))
                words.append(tokens)
            except Exception as exc:  # a stage bug on odd input must not stop the stream
                # No traceback: the runner logs the record's one line (source, reason) as it goes to the DLQ.
                result.rejected.append(Rejected(record.message, describe(exc)))
        if stories is not None:  # a Backpressure (Elasticsearch away) retries the whole batch
            assign_records(stories, [d for _, d in done], [r.value.doc_id for r, _ in done], words)
        for record, enriched in done:
            try:  # a lone surrogate (escaped in JSON) cannot become UTF-8
                value = topics.dumps(enriched)
            except ValueError as exc:
                result.rejected.append(Rejected(record.message, describe(exc)))
                continue
            result.outputs.append(Output(topics.ENRICHED.name, value, str(record.value.channel.id).encode()))
        return result

    return stage

"""The enrich stage: ``posts.raw`` records (validated by the stage runner) enriched to
``posts.enriched``, keyed by channel id; a record that fails validation or enrichment goes to the DLQ
with the reason. With a story assigner, each batch's posts then get their ``story`` (one lookup of the
batch's LSH bands; :mod:`enrich.stories`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dozor import topics
from dozor.dlq import describe
from dozor.records import searchable_text
from dozor.stream import BatchResult, Message, Output, Rejected, Stage, decoded
from enrich.entities import hints_of
from enrich.pipeline import Enricher
from enrich.stories import StoryAssigner, assign_records

STAGE_NAME = "enrich"


def make_stage(enricher: Enricher, stories: StoryAssigner | None = None) -> Stage:
    def stage(batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        done: list[tuple[dict[str, Any], str, bytes]] = []
        for record in decoded(topics.RAW, batch, result.rejected):
            try:
                # The record goes on as it came, plus the new fields (over the text and a poll's words).
                wire = record.wire
                enriched = {**wire, **enricher.fields(searchable_text(wire), hints_of(wire))}
                done.append((enriched, record.value.doc_id, str(record.value.channel.id).encode()))
            except Exception as exc:  # a stage bug on odd input must not stop the stream
                # No traceback: the runner logs the record's one line (source, reason) as it goes to the DLQ.
                result.rejected.append(Rejected(record.message, describe(exc)))
        if stories is not None:  # a Backpressure (Elasticsearch away) retries the whole batch
            assign_records(stories, [d for d, _, _ in done], [i for _, i, _ in done])
        result.outputs.extend(Output(topics.ENRICHED.name, topics.dumps(d), key) for d, _, key in done)
        return result

    return stage

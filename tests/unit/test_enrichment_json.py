"""The enrich stage's fast path to JSON (:func:`dozor.records.enrichment_json`) writes exactly what
pydantic's ``model_dump(mode="json")`` writes, and the stage's records the bytes the pipeline's own
``Enricher.enrich`` gives for the same input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from dozor.records import Enrichment, enrichment_json
from dozor.stream import run_in_memory
from enrich.pipeline import Enricher
from enrich.stage import make_stage
from tests.support.distinct_corpus import generated


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no fraction
        datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(2026, 1, 2, 3, 4, 5),  # naive
    ],
)
def test_dates_and_defaults_as_pydantic_writes_them(when: datetime) -> None:
    model = Enrichment(enriched_at=when, lang_score=1)  # an int score is a float on the wire
    assert orjson.dumps(enrichment_json(model)) == orjson.dumps(model.model_dump(mode="json"))


def test_every_enrichment_of_distinct_posts_as_pydantic_writes_it(enricher: Enricher) -> None:
    records = generated(300, seed=41)
    for record in records:
        model = enricher.enrichment(record["text"])
        assert orjson.dumps(enrichment_json(model)) == orjson.dumps(model.model_dump(mode="json"))
    assert {enricher.enrichment(r["text"]).lang for r in records} >= {"ru", "uz", "en"}  # the corpus is varied


def test_stage_records_are_the_pipelines_bytes(enricher: Enricher) -> None:
    records = generated(200, seed=43)
    result = run_in_memory(make_stage(enricher), records)
    assert not result.rejected and len(result.outputs) == len(records)
    for record, out in zip(records, result.outputs, strict=True):
        staged = orjson.loads(out.value)
        expected = enricher.enrich(dict(record))
        expected["enriched_at"] = staged["enriched_at"]  # the clock moved between the two
        assert out.value == orjson.dumps(expected)

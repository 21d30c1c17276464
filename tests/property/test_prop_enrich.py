"""The enricher and the enrich stage over hostile input: any Unicode text gives every enriched field
and never raises; any message into the stage comes out enriched or rejected with a one-line reason."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dozor import kafka as dk
from dozor.records import EnrichedPost
from dozor.stream import Message
from enrich.pipeline import ENRICHED_FIELDS, default_enricher
from enrich.stage import make_stage
from tests.property.strategies import JSON_VALUES, WORDS, hostile_text, raw_records
from tests.support.profiles import examples

# The characters the enricher once failed on (CLD2 refused them and the post went to the DLQ).
DEFECT_CHARS = ["\x00", "\x01", "\x1b", "\x85", "\ufdd0", "\uffff", "\ud800", "\udfff"]
TAXONOMY_IDS = set(default_enricher().taxonomy.topic_ids)


def check_fields(fields: dict[str, Any]) -> None:
    assert set(fields) == set(ENRICHED_FIELDS)
    assert isinstance(fields["lang"], str) and re.fullmatch(r"[a-z]{2,3}", fields["lang"])
    assert 0.0 <= fields["lang_score"] <= 1.0
    assert re.fullmatch(r"[A-Z][a-z]{3}", fields["script"])
    assert set(fields["topics"]) <= TAXONOMY_IDS and list(fields["topic_hits"]) == fields["topics"]
    assert isinstance(fields["text_norm"], str) and isinstance(fields["text_stem"], str)
    assert re.fullmatch(r"[0-9a-f]{16}", fields["simhash"])


@given(hostile_text(300))
def test_the_enricher_returns_every_field_for_any_text(text: str) -> None:
    check_fields(default_enricher().fields(text))


@pytest.mark.parametrize("char", DEFECT_CHARS, ids=ascii)
def test_controls_noncharacters_and_lone_surrogates_are_enriched(char: str) -> None:
    check_fields(default_enricher().fields(f"Мигранты стоят {char} в очереди за патентом"))


# 1 MB posts of several shapes: each is enriched within a budget far above its normal time (a few seconds
# here), so a hang or a quadratic blow-up fails instead of stalling the suite.
MEGABYTE = 1_000_000
BUDGET_S = 60
SHAPES = {
    "words": " ".join(WORDS),
    "stacked combining marks": "e" + "\u0301" * 999 + " ",
    "emoji and bidi controls": "👍🏽\u202e🇺🇿\u2066x\u200d ",
    "punctuation": "!?.,;:-—«»",
}


def megabyte(unit: str) -> str:
    return (unit * (MEGABYTE // len(unit) + 1))[:MEGABYTE]


def enrich_in_budget(text: str) -> None:
    start = time.monotonic()
    fields = default_enricher().fields(text)
    elapsed = time.monotonic() - start
    check_fields(fields)
    assert elapsed < BUDGET_S, f"{elapsed:.0f} s for {len(text):,} characters"


@pytest.mark.timeout(BUDGET_S * 2)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_megabyte_post_is_enriched_in_time(shape: str) -> None:
    enrich_in_budget(megabyte(SHAPES[shape]))


@pytest.mark.timeout(BUDGET_S * 2)  # it took minutes once
def test_a_one_megabyte_token_is_enriched_in_time() -> None:
    enrich_in_budget("а" * (MEGABYTE // 2) + "7" * (MEGABYTE // 2))  # letters, then digits: one token


def message(value: bytes, offset: int = 0) -> Message:
    return Message(value=value, key=b"1", topic="posts.raw", offset=offset)


def encoded(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()  # ASCII escapes: a lone surrogate travels as \\ud800


ANY_MESSAGE = st.one_of(
    st.binary(max_size=120),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    raw_records().map(encoded),
    st.builds(
        lambda r, k, v: encoded({**r, k: v}), raw_records(), st.sampled_from(["channel", "date", "note"]), JSON_VALUES
    ),
)


SURROGATE_ELSEWHERE = {"schema": 1, "channel": {"id": 1}, "message_id": 1, "text": "hello", "note": "\ud800"}


@settings(max_examples=examples(40))
@given(st.lists(ANY_MESSAGE, min_size=1, max_size=6))
@example([encoded(SURROGATE_ELSEWHERE)])
def test_the_stage_enriches_or_rejects_every_message_and_never_raises(values: list[bytes]) -> None:
    batch = [message(v, i) for i, v in enumerate(values)]
    result = make_stage(default_enricher())(batch)
    assert len(result.outputs) + len(result.rejected) == len(batch)
    for out in result.outputs:
        post = EnrichedPost.model_validate_json(out.value)  # UTF-8 JSON a downstream stage can read
        assert out.topic == dk.ENRICHED and out.key == str(post.channel.id).encode()
    for rejected in result.rejected:
        assert rejected.reason.strip() and "\n" not in rejected.reason


@settings(max_examples=examples(40))
@given(raw_records())
@example(SURROGATE_ELSEWHERE)
@example({**SURROGATE_ELSEWHERE, "note": -9223372036854775809})  # orjson read it as -9.223372036854776e18
def test_the_stage_enriches_every_valid_record(record: dict[str, Any]) -> None:
    try:
        value = json.dumps(record, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate elsewhere: not UTF-8, cannot be a posts.raw message
        value = None
    result = make_stage(default_enricher())([message(value or encoded(record))])
    if value is None:
        assert len(result.rejected) == 1
        return
    assert not result.rejected, result.rejected[0].reason
    out = json.loads(result.outputs[0].value)
    assert {k: out[k] for k in record} == record
    assert EnrichedPost.model_validate(out).message_id == record["message_id"]

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ValidationError

from dozor import kafka as dk
from dozor.dlq import H_TRUNCATED, MAX_VALUE_BYTES, dead_letter, describe
from dozor.records import RawPost
from dozor.stream import Output, Record, RecordError, record_stage, run_in_memory
from dozor.topics import RAW, Topic


class Note(BaseModel):
    text: object = None


NOTES = Topic("notes", Note)


def upper(record: Record[Note]) -> Iterator[Output]:
    note = record.value
    if not isinstance(note.text, str):
        raise RecordError("no text")
    yield Output("out", note.text.upper().encode())


def test_good_records_pass_and_bad_ones_carry_a_reason() -> None:
    stage = record_stage(NOTES, upper)
    result = run_in_memory(stage, [{"text": "a"}, "not json", {"x": 1}, "[1, 2]", {"text": "b"}, b"\xff\xfe"])
    assert [o.value for o in result.outputs] == [b"A", b"B"]
    reasons = [r.reason for r in result.rejected]
    assert len(reasons) == 4
    assert reasons[0].startswith("JSONDecodeError")
    assert "no text" in reasons[1]
    assert "expected a JSON object" in reasons[2]
    assert "UnicodeDecodeError" in reasons[3] or "JSONDecodeError" in reasons[3]
    # The original bytes travel with the rejection, untouched.
    assert result.rejected[0].message.value == b"not json"


def test_json_nested_too_deeply_is_rejected_not_raised() -> None:
    result = run_in_memory(record_stage(NOTES, upper), [b"[" * 100_000, {"text": "a"}])
    assert [o.value for o in result.outputs] == [b"A"] and "nested too deeply" in result.rejected[0].reason


def test_a_stage_bug_goes_to_dlq_not_up() -> None:
    def buggy(record: Record[Note]) -> Iterator[Output]:
        raise KeyError("boom")

    result = run_in_memory(record_stage(NOTES, buggy), [{"text": "a"}])
    assert result.outputs == [] and "KeyError" in result.rejected[0].reason


def test_dead_letters_are_cut_to_fit_and_reasons_are_one_line() -> None:
    big = dead_letter(b"x" * (MAX_VALUE_BYTES + 5), stage="s", reason="r", source="f:1")
    assert len(big.value) == MAX_VALUE_BYTES and dict(big.headers)[H_TRUNCATED] == str(MAX_VALUE_BYTES + 5).encode()
    assert dict(big.headers)[dk.H_STAGE] == b"s" and big.key is None
    with pytest.raises(ValidationError) as invalid:
        RawPost.model_validate({"channel": {"id": "x"}})
    reason = describe(invalid.value, RAW.invalid)
    assert reason.startswith("invalid posts.raw record: channel.id: Input should be a valid integer")
    assert "\n" not in reason and "message_id: Field required" in reason

"""Record validation over hostile input: anything either validates as ``posts.raw`` or raises a
pydantic ``ValidationError`` whose one-line description (the importers' and the enrich stage's) names
the field; never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from dozor.dlq import describe, problems
from dozor.records import RawPost
from tests.property.strategies import DATETIMES, JSON_VALUES, raw_records

FIELDS = sorted((f.alias or name) for name, f in RawPost.model_fields.items())


def check(obj: Any, field: str | None = None) -> RawPost | None:
    """Validate; on failure the descriptions are one line each, naming ``field`` when given."""
    try:
        return RawPost.model_validate(obj)
    except ValidationError as exc:
        for line in (problems(exc), describe(exc, "invalid posts.raw record")):
            assert "\n" not in line and line.strip()
            if field is not None:
                assert f"{field}:" in line or f"{field}." in line, line
        return None


def utf8(obj: Any) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


@given(raw_records())
def test_a_valid_record_survives_the_wire_unchanged(record: dict[str, Any]) -> None:
    assume(utf8(record))  # the wire is UTF-8 JSON: no lone surrogates (the stages refuse those, see test_prop_stage)
    post = RawPost.model_validate(record)
    wire = post.to_wire()
    again = RawPost.model_validate_json(json.dumps(wire))
    assert again.to_wire() == wire
    assert (wire["channel"]["id"], wire["message_id"], wire["text"]) == (
        record["channel"]["id"],
        record["message_id"],
        record["text"],
    )


@given(raw_records(), st.sampled_from(FIELDS), JSON_VALUES)
def test_any_value_in_any_field_validates_or_names_the_field(record: dict[str, Any], field: str, value: Any) -> None:
    check({**record, field: value}, field)


@given(raw_records(), st.sampled_from(["date", "edit_date", "collected_at"]), DATETIMES)
def test_any_datetime_validates_or_names_the_field(record: dict[str, Any], field: str, when: Any) -> None:
    post = check({**record, field: when.isoformat()}, field)
    forward = check({**record, "forward": {"from_id": 1, "date": when.isoformat()}}, "forward")
    for checked in (post, forward):
        if checked is not None:
            assert all(d is None or d.utcoffset() is not None for d in (checked.date, checked.edit_date))


@given(st.dictionaries(st.sampled_from([*FIELDS, "other"]) | st.text(max_size=8), JSON_VALUES, max_size=8))
@example({"reactions": {"\n": None}})  # a made-up key with a line break in the error's path
def test_any_json_object_validates_or_raises_a_validation_error(obj: dict[str, Any]) -> None:
    check(obj)


@given(st.binary(max_size=200) | raw_records().map(lambda r: json.dumps(r).encode()[: len(r) * 7]))
def test_any_bytes_validate_or_raise_a_validation_error(raw: bytes) -> None:
    try:
        RawPost.model_validate_json(raw)
    except ValidationError as exc:
        assert "\n" not in problems(exc)

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dozor.records import EnrichedPost, MediaEvent, RawPost, doc_id


def raw(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "schema": 1,
        "source": "telegram",
        "event": "new",
        "channel": {"id": 42, "username": "news", "title": "News", "category": "media", "country": "RU"},
        "message_id": 7,
        "date": "2026-11-20T08:00:00+03:00",
        "text": "",
    }
    base.update(over)
    return base


def test_valid_record_round_trips_in_utc() -> None:
    post = RawPost.model_validate(raw())
    wire = post.to_wire()
    assert wire["schema"] == 1 and wire["date"] == "2026-11-20T05:00:00Z"
    assert post.doc_id == "tg:42:7" == doc_id(42, 7)


def test_empty_text_is_valid() -> None:
    assert RawPost.model_validate(raw(text="", event="delete")).text == ""


@pytest.mark.parametrize(
    "bad",
    [
        {"message_id": "7"},  # ids are integers on the wire
        {"channel": None},
        {"channel": {"username": "x"}},
        {"event": "created"},
        {"schema": 2},
        {"channel": {"id": 1, "category": "blog"}},
    ],
)
def test_contract_breaks_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RawPost.model_validate(raw(**bad))


def test_unknown_fields_survive() -> None:
    post = RawPost.model_validate(raw(extra_field={"a": 1}))
    assert post.to_wire()["extra_field"] == {"a": 1}


def test_enriched_simhash_is_16_hex() -> None:
    EnrichedPost.model_validate(raw(simhash="00ff00ff00ff00ff"))
    with pytest.raises(ValidationError):
        EnrichedPost.model_validate(raw(simhash="123"))


def test_forward_date_is_utc_too() -> None:
    post = RawPost.model_validate(raw(forward={"from_id": 1, "from_name": "x", "date": "2026-11-20T08:00:00+05:00"}))
    assert post.to_wire()["forward"]["date"] == "2026-11-20T03:00:00Z"


def test_media_event_round_trips_and_checks_hashes() -> None:
    digest = "ab" * 32
    event = MediaEvent.model_validate(
        {
            "channel": raw()["channel"],
            "message_id": 7,
            "grouped_id": 99,
            "date": "2026-11-20T08:00:00+03:00",
            "item": {"sha256": digest, "type": "photo", "status": "stored", "mime": "image/jpeg", "size": 10},
            "collector": "import:tdesktop",
        }
    )
    wire = event.to_wire()
    assert wire["schema"] == 1 and wire["date"] == "2026-11-20T05:00:00Z" and event.doc_id == "tg:42:7"
    assert wire["item"]["sha256"] == digest and wire["item"]["thumb_sha256"] is None
    assert MediaEvent.model_validate_json(event.model_dump_json(by_alias=True)) == event
    for bad_item in ({"type": "photo", "status": "kept"}, {"type": "photo", "status": "stored", "sha256": "AB" * 32}):
        with pytest.raises(ValidationError):
            MediaEvent.model_validate({"channel": {"id": 1}, "message_id": 1, "item": bad_item})
    assert RawPost.model_validate(raw(raw_sha256=digest, collector="telethon:a")).raw_sha256 == digest
    with pytest.raises(ValidationError):
        RawPost.model_validate(raw(raw_sha256="not a hash"))

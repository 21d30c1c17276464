"""The importers over hostile input: every entry of a Telegram Desktop export, a posts.raw JSONL file or a
Telethon dump becomes a record, a counted skip or a DLQ entry with a one-line reason; never an exception.
Only a file that is not an export at all is refused, with a UsageError."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dozor.errors import UsageError
from dozor.records import RawPost
from ingest.importers import Bad, Item, Skip, jsonl, tdesktop, telethon_jsonl
from tests.property.strategies import JSON_VALUES, hostile_text, json_values, raw_records
from tests.support.profiles import examples

FIELDS = sorted(RawPost.model_fields)
PART_TYPES = ["plain", "link", "text_link", "mention", "hashtag", "bold", "custom_emoji", "spoiler", None]


def check_items(items: list[Item], entries: int) -> None:
    assert len(items) == entries
    for item in items:
        assert isinstance(item, RawPost | Bad | Skip)
        if isinstance(item, Bad):
            assert item.reason.strip() and "\n" not in item.describe(), item.describe()
        if isinstance(item, RawPost):
            item.to_wire()  # the record can be written


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()  # ASCII escapes: lone surrogates travel as \ud800, as they may in a file


# ---- posts.raw JSONL ----------------------------------------------------------------------------------

LINES = st.one_of(
    st.binary(max_size=100).filter(lambda b: b.strip() and b"\n" not in b and b"\r" not in b),
    JSON_VALUES.map(dumps),
    raw_records().map(dumps),
    st.builds(lambda r, k, v: dumps({**r, k: v}), raw_records(), st.sampled_from(FIELDS), JSON_VALUES),
)


@given(st.lists(LINES, max_size=6))
def test_every_jsonl_line_is_a_record_or_a_dlq_entry(lines: list[bytes]) -> None:
    items = list(jsonl.read(lines, "posts.jsonl"))
    check_items(items, len([line for line in lines if line.strip()]))
    wheres = [item.where for item in items if isinstance(item, Bad)]
    assert all(where.startswith("posts.jsonl:") for where in wheres)


@given(raw_records())
def test_a_valid_jsonl_line_is_imported_as_it_is(record: dict[str, Any]) -> None:
    try:
        line = json.dumps(record, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: not UTF-8, so it is no line of a JSONL file
        return
    [item] = jsonl.read([line], "posts.jsonl")
    assert isinstance(item, RawPost | Bad)
    if isinstance(item, RawPost):
        assert (item.channel.id, item.message_id, item.text) == (
            record["channel"]["id"],
            record["message_id"],
            record["text"],
        )
    else:  # only text with a lone surrogate (escaped as \ud800) may be refused, and it says so
        assert item.kind == "invalid Unicode", item.describe()


# ---- Telegram Desktop export --------------------------------------------------------------------------

TEXT_PART = st.one_of(
    hostile_text(30),
    st.fixed_dictionaries(
        {"type": st.sampled_from(PART_TYPES), "text": hostile_text(30)},
        optional={"href": st.one_of(hostile_text(20), JSON_VALUES), "document_id": JSON_VALUES},
    ),
    JSON_VALUES,
)
TD_TEXT = st.one_of(hostile_text(80), st.lists(TEXT_PART, max_size=5))
UNIX = st.integers(0, 2**33).map(str)
TD_OPTIONAL = {
    "edited": st.just("2026-10-19T09:00:00"),
    "edited_unixtime": UNIX,
    "from": hostile_text(20),
    "from_id": st.sampled_from(["channel123", "user5", "chat", ""]),
    "author": hostile_text(20),
    "forwarded_from": hostile_text(20),
    "forwarded_from_id": st.sampled_from(["channel123", "user5", "x"]),
    "reply_to_message_id": st.integers(1, 2**31),
    "photo": st.just("photos/photo_1.jpg"),
    "width": st.integers(0, 10_000),
    "height": st.integers(0, 10_000),
    "file": st.just("files/a.pdf"),
    "media_type": st.sampled_from(["video_file", "voice_message", "sticker", "animation", "x"]),
    "mime_type": hostile_text(10),
    "file_name": hostile_text(20),
    "duration_seconds": st.integers(0, 10**6),
    "sticker_emoji": hostile_text(3),
    "saved_from": hostile_text(20),
    "reactions": st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["emoji", "custom_emoji", "paid"]), "count": st.integers(0, 10**6)},
            optional={"emoji": hostile_text(3), "document_id": JSON_VALUES},
        ),
        max_size=3,
    ),
    "poll": st.fixed_dictionaries(
        {"question": TD_TEXT, "answers": st.lists(st.fixed_dictionaries({"text": TD_TEXT, "voters": JSON_VALUES}))},
        optional={"closed": JSON_VALUES, "total_voters": JSON_VALUES},
    ),
    "text_entities": st.lists(TEXT_PART, max_size=3),
}
ENTRY = st.fixed_dictionaries(
    {
        "id": st.integers(1, 2**31),
        "type": st.sampled_from(["message", "message", "message", "service"]),
        "date": st.just("2026-10-19T08:00:00"),
        "date_unixtime": UNIX,
        "text": TD_TEXT,
    },
    optional=TD_OPTIONAL,
)
ANY_KEY = st.sampled_from(["id", "type", "date", "date_unixtime", "text", *TD_OPTIONAL])
HOSTILE_ENTRY = st.one_of(
    ENTRY,
    st.builds(lambda entry, key, value: {**entry, key: value}, ENTRY, ANY_KEY, JSON_VALUES),
    JSON_VALUES,
)


def export(messages: list[Any], **chat: Any) -> bytes:
    return dumps({"name": "Test", "type": "public_channel", "id": 1790000005, **chat, "messages": messages})


@settings(max_examples=examples(30))
@given(st.lists(HOSTILE_ENTRY, max_size=6))
@example([{"id": 1, "type": "message", "date_unixtime": "1", "text": "", "edited_unixtime": {"": None}}])
@example([{"id": 1, "type": "message", "date_unixtime": "1", "text": "", "reactions": True}])  # not a list
@example([{"id": 1, "type": "message", "date_unixtime": "1", "text": "", "poll": {"answers": 1}}])
def test_every_export_entry_is_a_record_a_skip_or_a_dlq_entry(entries: list[Any]) -> None:
    items = list(tdesktop.read(export(entries), "result.json"))
    check_items(items, len(entries))
    for entry, item in zip(entries, items, strict=True):
        if isinstance(item, RawPost):
            assert item.collector == tdesktop.COLLECTOR and item.message_id == entry["id"]


@settings(max_examples=examples(30))
@given(st.sampled_from(["id", "name", "type"]), json_values(strict=True), st.lists(ENTRY, max_size=2))
@example("type", {}, [])
@example("name", {}, [])
def test_an_export_with_hostile_chat_fields_is_read_or_refused_with_a_usage_error(
    key: str, value: Any, entries: list[Any]
) -> None:
    try:
        items = list(tdesktop.read(export(entries, **{key: value}), "result.json"))
    except UsageError as exc:
        assert str(exc).startswith("result.json: ") and "\n" not in str(exc)
        return
    assert len(items) in (len(entries), 1)  # the entries, or the chat left out as private


@given(st.binary(max_size=200) | JSON_VALUES.map(dumps))
def test_any_file_is_read_or_refused_with_a_usage_error(raw: bytes) -> None:
    try:
        items = list(tdesktop.read(raw, "result.json"))
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    check_items(items, len(items))


# ---- Telethon JSONL dump ------------------------------------------------------------------------------

TL_MESSAGE: dict[str, Any] = {
    "_": "Message",
    "id": 7,
    "peer_id": {"_": "PeerChannel", "channel_id": 1790000005},
    "date": "2026-10-19T08:00:00+00:00",
    "message": "Мигранты стоят в очереди за патентом",
    "post": True,
}
TL_OBJECTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"_": st.sampled_from(["MessageEntityUrl", "MessageEntityTextUrl", "MessageEntityHashtag", "PeerChannel",
                               "MessageFwdHeader", "MessageReactions", "ReactionCount", "MessageMediaPhoto",
                               "MessageMediaPoll", "Poll", "Document", "NoSuchType"])},
        optional={"offset": JSON_VALUES, "length": JSON_VALUES, "url": JSON_VALUES, "channel_id": JSON_VALUES,
                  "results": JSON_VALUES, "date": JSON_VALUES, "from_id": JSON_VALUES, "count": JSON_VALUES},
    ),
)  # fmt: skip
TL_KEYS = st.sampled_from(
    ["id", "peer_id", "date", "message", "entities", "fwd_from", "reply_to", "views", "forwards", "reactions",
     "media", "edit_date", "grouped_id", "post_author", "_"]
)  # fmt: skip
TL_LINES = st.one_of(
    st.binary(max_size=80).filter(lambda b: b.strip() and b"\n" not in b and b"\r" not in b),
    st.builds(lambda key, value: dumps({**TL_MESSAGE, key: value}), TL_KEYS, TL_OBJECTS),
    st.builds(lambda key, value: dumps({**TL_MESSAGE, key: [value]}), TL_KEYS, TL_OBJECTS),
)


@given(st.lists(TL_LINES, max_size=5))
@example([dumps({**TL_MESSAGE, "date": 10**20})])
@example([dumps({**TL_MESSAGE, "message": 5})])
@example([dumps({**TL_MESSAGE, "message": [{"offset": 1}]})])
@example([dumps({**TL_MESSAGE, "_": [None]})])
@example([dumps({**TL_MESSAGE, "media": {"_": "MessageMediaPoll"}})])
@example([dumps({**TL_MESSAGE, "entities": [{"_": "MessageEntityUrl"}]})])
@example([dumps({**TL_MESSAGE, "post_author": {"_": "NoSuchType"}})])  # the signature is kept only as text
def test_every_telethon_dump_line_is_a_record_a_skip_or_a_dlq_entry(lines: list[bytes]) -> None:
    check_items(list(telethon_jsonl.read(lines, "dump.jsonl")), len(lines))

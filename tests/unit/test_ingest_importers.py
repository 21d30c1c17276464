"""Importers: a Telegram Desktop export gives the same records as the live mapping; bad input is counted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telethon.tl import types as tl

from dozor.errors import UsageError
from dozor.records import Channel, RawPost
from ingest import registry as reg
from ingest.importers import Bad, Skip, jsonl, tdesktop
from ingest.importers.run import channel_fill
from ingest.mapping import message_record
from tests.support.fakeclient import utf16_len

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORT = DATA / "ingest_export" / "result.json"
REGISTRY = reg.load(Path(__file__).resolve().parents[2] / "ingest" / "samples" / "channels.example.yaml")
FILL = channel_fill("@muhojirlar_uz_example", REGISTRY)
CHANNEL = Channel(
    id=1790000005,
    username="muhojirlar_uz_example",
    title="Muhojirlar (namuna)",
    category="migrant_community",
    country="UZ",
)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def msg(mid: int, when: datetime, text: str, **kw: Any) -> tl.Message:
    return tl.Message(id=mid, peer_id=tl.PeerChannel(CHANNEL.id), date=when, message=text, post=True, **kw)


def entity(text: str, value: str, kind: Any, *extra: Any) -> Any:
    at = text.index(value)
    return kind(utf16_len(text[:at]), utf16_len(value), *extra)


def live_messages() -> list[tl.Message]:
    """The export's messages as Telethon delivers them (fields the export lacks left empty)."""
    t3 = (
        "🔴 Saxarovo markazida shartnoma punkti ochildi: https://news.example/uz/1 ehtiyot bo'ling batafsil "
        "@muhojiron_tj_example #migratsiya"
    )
    return [
        msg(
            2,
            utc(2026, 10, 20, 7, 15),
            "Moskvada patent narxi 1-yanvardan oyiga 9 ming rublgacha oshadi.",
            reactions=tl.MessageReactions(
                results=[
                    tl.ReactionCount(reaction=tl.ReactionEmoji("😢"), count=14),
                    tl.ReactionCount(reaction=tl.ReactionEmoji("👍"), count=3),
                ]
            ),
        ),
        msg(
            3,
            utc(2026, 10, 21, 9, 30),
            t3,
            edit_date=utc(2026, 10, 21, 10, 2),
            entities=[
                entity(t3, "https://news.example/uz/1", tl.MessageEntityUrl),
                entity(t3, "ehtiyot bo'ling", tl.MessageEntityBold),
                entity(t3, "batafsil", tl.MessageEntityTextUrl, "https://news.example/uz/2"),
                entity(t3, "@muhojiron_tj_example", tl.MessageEntityMention),
                entity(t3, "#migratsiya", tl.MessageEntityHashtag),
            ],
        ),
        msg(
            4,
            utc(2026, 10, 22, 11, 0),
            "Saxarovo, navbat 📸",
            media=tl.MessageMediaPhoto(
                photo=tl.Photo(
                    1, 1, b"", None, [tl.PhotoSize("m", 320, 240, 9000), tl.PhotoSize("y", 1280, 960, 150123)], 2
                )
            ),
        ),
        msg(
            5,
            utc(2026, 10, 22, 12, 0),
            "",
            media=tl.MessageMediaDocument(
                document=tl.Document(
                    1, 1, b"", None, "application/pdf", 1204551, 2, [tl.DocumentAttributeFilename("qonun_loyihasi.pdf")]
                )
            ),
        ),
        msg(
            6,
            utc(2026, 10, 23, 8, 45),
            "",
            media=tl.MessageMediaDocument(
                document=tl.Document(
                    1, 1, b"", None, "audio/ogg", 91200, 2, [tl.DocumentAttributeAudio(41, voice=True)]
                )
            ),
        ),
        msg(
            7,
            utc(2026, 10, 24, 14, 5),
            "Сафорати Тоҷикистон дар Маскав ҳушдор медиҳад.",
            fwd_from=tl.MessageFwdHeader(date=None, from_name="Сафорат (намуна)"),
        ),
        msg(
            8,
            utc(2026, 10, 24, 15, 0),
            "Bu haqda avvalroq yozgandik.",
            reply_to=tl.MessageReplyHeader(reply_to_msg_id=7),
        ),
        msg(13, utc(2026, 10, 26, 7, 0), "Havo salqin ☔"),
    ]


def comparable(post: RawPost) -> dict[str, Any]:
    wire = post.to_wire()
    wire.pop("collected_at")
    return wire


def test_export_yields_the_same_records_as_the_live_mapping() -> None:
    items = list(tdesktop.read(EXPORT.read_bytes(), str(EXPORT), FILL))
    posts = [i for i in items if isinstance(i, RawPost)]
    assert all(p.collector == "import:tdesktop" and p.raw_sha256 for p in posts)  # evidence of what was read
    imported = {p.message_id: comparable(p.model_copy(update={"collector": None, "raw_sha256": None})) for p in posts}
    live = {m.id: comparable(message_record(m, CHANNEL)) for m in live_messages()}
    assert imported.keys() == live.keys()
    for mid, record in live.items():
        assert imported[mid] == record, mid


def test_export_bad_entries_are_counted_with_reasons() -> None:
    items = list(tdesktop.read(EXPORT.read_bytes(), "result.json", FILL))
    bad = [i for i in items if isinstance(i, Bad)]
    assert sorted(b.kind for b in bad) == ["malformed entry"] * 4
    reasons = {b.where: b.reason for b in bad}
    assert "text is a dict" in reasons["result.json:message 9"]
    assert all(b.raw for b in bad)  # the original entry is kept for the DLQ
    # A service entry (create_channel) is no post and no error: counted, not sent to the DLQ.
    assert [(s.kind, s.where) for s in items if isinstance(s, Skip)] == [("service message", "result.json:message 1")]


def test_export_needs_a_consistent_channel() -> None:
    with pytest.raises(UsageError, match="--channel names 42"):
        list(tdesktop.read(EXPORT.read_bytes(), "x", {"id": 42}))
    with pytest.raises(UsageError, match="not a Telegram Desktop JSON export"):
        list(tdesktop.read(b'{"foo": 1}', "x"))
    with pytest.raises(UsageError, match="not valid JSON"):
        list(tdesktop.read(b"{nope", "x"))


def test_full_account_export_with_chat_list() -> None:
    single = json.loads(EXPORT.read_text(encoding="utf-8"))
    full = json.dumps({"about": "", "chats": {"about": "", "list": [single]}}).encode()
    assert sum(isinstance(i, RawPost) for i in tdesktop.read(full, "x", FILL)) == 8


GOOD = {"channel": {"id": 5, "username": "a_channel"}, "message_id": 1, "date": "2026-11-01T10:00:00Z", "text": "ok"}


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps(GOOD | {"message_id": "seven"}).encode(), "wrong types"),
        (json.dumps(GOOD | {"channel": {"id": "x"}}).encode(), "wrong types"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "channel"}).encode(), "missing field"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "message_id"}).encode(), "missing field"),
        (json.dumps(GOOD | {"text": "x" * 1_048_576}).encode(), "text too long"),
        (json.dumps(GOOD | {"event": "poke"}).encode(), "wrong types"),
        (b'{"channel": {"id": 5}, "message_id": 2, "text": "\\ud800 lone"}', "invalid Unicode"),
        (b'{"channel": {"id": 5}, "message_id": 2, "text": "\xff\xfe bytes"}', "invalid Unicode"),
    ],
)
def test_jsonl_bad_lines(line: bytes, kind: str) -> None:
    (item,) = list(jsonl.read([line], "in.jsonl"))
    assert isinstance(item, Bad)
    assert (item.kind, item.where, item.raw) == (kind, "in.jsonl:1", line)


def test_jsonl_keeps_each_records_channel_and_allows_empty_text() -> None:
    lines = [
        json.dumps(GOOD).encode(),
        b"",
        json.dumps({"event": "delete", "channel": {"id": 9}, "message_id": 4}).encode(),
        b"garbage",
        json.dumps(GOOD | {"text": "", "media": {"type": "photo"}}).encode(),
    ]
    items = list(jsonl.read(lines, "f"))
    posts = [i for i in items if isinstance(i, RawPost)]
    assert [p.channel.id for p in posts] == [5, 9, 5]
    assert posts[1].event == "delete" and posts[1].text == "" and posts[2].text == ""
    (bad,) = [i for i in items if isinstance(i, Bad)]
    assert bad.where == "f:4"  # line numbers count blank lines


def test_channel_fill_from_registry_or_reference() -> None:
    assert FILL == {"username": "muhojirlar_uz_example", "category": "migrant_community", "country": "UZ"}
    assert channel_fill("-1001790000077", None) == {"id": 1790000077}
    assert channel_fill("t.me/some_name", None) == {"username": "some_name"}
    assert channel_fill(None, REGISTRY) == {}

"""JSONL of Telethon ``Message.to_json()`` / ``to_dict()`` objects: the same records as the collector's mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from telethon.tl import types as tl

from dozor.records import Channel, RawPost
from ingest.importers import Bad, Skip, telethon_jsonl
from ingest.mapping import message_record

CH = Channel(id=1790000002, username="migrant_help_msk_example", title="Помощь", category="migrant_community")
FILL = {"username": CH.username, "title": CH.title, "category": CH.category}
MSK = timezone(timedelta(hours=3))
WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=MSK)


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message(mid: int, text: str = "", **kw: Any) -> tl.Message:
    return tl.Message(id=mid, peer_id=tl.PeerChannel(CH.id), date=WHEN, message=text, post=True, **kw)


def live_messages() -> list[tl.Message]:
    """Messages as the collector receives them, one for each part of the mapping."""
    text = "🔥🔥 Сахарово: https://news.example/a @kg_migrant_example #мигранты подробнее"
    at = {w: u16(text[: text.index(w)]) for w in ("https", "@kg", "#миг", "подробнее")}
    photo = tl.Photo(
        7,
        8,
        b"\x01\x02",
        WHEN,
        [tl.PhotoSize("m", 320, 240, 9000), tl.PhotoSizeProgressive("y", 1280, 960, [1, 99])],
        2,
    )

    def document(mime: str, size: int, *attributes: Any) -> tl.MessageMediaDocument:
        return tl.MessageMediaDocument(document=tl.Document(9, 9, b"\xff\x00", WHEN, mime, size, 2, list(attributes)))

    return [
        message(
            1,
            text,
            entities=[
                tl.MessageEntityUrl(at["https"], len("https://news.example/a")),
                tl.MessageEntityMention(at["@kg"], len("@kg_migrant_example")),
                tl.MessageEntityHashtag(at["#миг"], len("#мигранты")),
                tl.MessageEntityTextUrl(at["подробнее"], len("подробнее"), "https://news.example/b"),
                tl.MessageEntityBold(0, 4),
            ],
            views=1200,
            forwards=31,
            edit_date=WHEN + timedelta(minutes=5),
            post_author="Иван П.",
            reactions=tl.MessageReactions(
                results=[
                    tl.ReactionCount(reaction=tl.ReactionEmoji("👍"), count=10),
                    tl.ReactionCount(reaction=tl.ReactionCustomEmoji(5244499185490732178), count=4),
                    tl.ReactionCount(reaction=tl.ReactionPaid(), count=2),
                ]
            ),
        ),
        message(
            2,
            "Опрос",
            media=tl.MessageMediaPoll(
                poll=tl.Poll(
                    id=1,
                    question=tl.TextWithEntities("Получили повестку?", []),
                    answers=[
                        tl.PollAnswer(tl.TextWithEntities("Да", []), b"0"),
                        tl.PollAnswer(tl.TextWithEntities("Нет", []), b"1"),
                    ],
                    hash=0,
                    closed=True,
                ),
                results=tl.PollResults(results=[tl.PollAnswerVoters(b"0", voters=15)], total_voters=40),
            ),
        ),
        message(3, media=document("image/webp", 4868, tl.DocumentAttributeSticker("🎂", tl.InputStickerSetEmpty()))),
        message(4, "Фото", media=tl.MessageMediaPhoto(photo=photo), grouped_id=13800000000000001),
        message(
            5,
            "Переслано из избранного",
            fwd_from=tl.MessageFwdHeader(
                date=WHEN - timedelta(days=1),
                from_id=tl.PeerChannel(1790000008),
                saved_from_peer=tl.PeerChannel(1790000009),
                saved_from_msg_id=77,
            ),
            reply_to=tl.MessageReplyHeader(reply_to_msg_id=4),
        ),
        message(6, media=document("video/mp4", 2_000_000, tl.DocumentAttributeVideo(43.028, 1920, 1080))),
        message(7, media=document("audio/ogg", 91_200, tl.DocumentAttributeAudio(41, voice=True))),
        message(
            8,
            "https://telegram.org/blog",
            media=tl.MessageMediaWebPage(webpage=tl.WebPage(1, "https://telegram.org/blog", "telegram.org", 0)),
        ),
    ]


def as_to_json(m: tl.Message) -> bytes:
    return m.to_json().encode()


def as_to_dict_str(m: tl.Message) -> bytes:
    """The other common dump: ``json.dumps(m.to_dict(), default=str)`` (dates as str(), bytes as reprs)."""
    return json.dumps(m.to_dict(), default=str, ensure_ascii=False).encode()


def comparable(post: RawPost) -> dict[str, Any]:
    wire = post.to_wire()
    wire.pop("collected_at")
    return wire


@pytest.mark.parametrize("dump", [as_to_json, as_to_dict_str])
def test_dump_gives_the_records_the_collector_mapping_gives(dump: Callable[[tl.Message], bytes]) -> None:
    live = live_messages()
    items = list(telethon_jsonl.read([dump(m) for m in live], "dump.jsonl", FILL))
    assert all(isinstance(i, RawPost) for i in items), [i for i in items if not isinstance(i, RawPost)]
    for original, item in zip(live, items, strict=True):
        assert isinstance(item, RawPost)
        assert comparable(item) == comparable(message_record(original, CH)), original.id


def test_content_beyond_the_core_fields_is_kept() -> None:
    posts = {p.message_id: p for p in (message_record(m, CH) for m in live_messages())}
    extra = {mid: p.model_extra or {} for mid, p in posts.items()}
    assert extra[1] == {"author": "Иван П."}
    assert posts[1].reactions == {"👍": 10, "custom:5244499185490732178": 4, "paid": 2}
    assert extra[2]["poll"] == {
        "question": "Получили повестку?",
        "answers": [{"text": "Да", "voters": 15}, {"text": "Нет"}],
        "closed": True,
        "total_voters": 40,
    }
    assert extra[3] == {"sticker_emoji": "🎂"}
    assert extra[5]["saved_from"] == {"from_id": 1790000009, "from_name": None, "message_id": 77}
    assert not extra[4] and not extra[6]


def dumped(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def test_service_messages_are_left_out_and_bad_lines_rejected() -> None:
    service = tl.MessageService(id=9, peer_id=tl.PeerChannel(CH.id), date=WHEN, action=tl.MessageActionPinMessage())
    private = tl.Message(id=3, peer_id=tl.PeerUser(55), date=WHEN, message="hi")
    good = as_to_json(message(10, "ok"))
    lines = [
        as_to_json(service),
        b"",
        b"{not json",
        dumped({"_": "User", "id": 5}),
        dumped({"_": "Message", "id": 11, "peer_id": {"_": "PeerChannel", "channel_id": CH.id}, "date": "yesterday"}),
        dumped({"_": "Message", "id": 12, "date": "2026-11-02T09:00:00+00:00", "message": "no chat"}),
        as_to_json(private),
        good,
    ]
    items = list(telethon_jsonl.read(lines, "d.jsonl"))
    skips = [i for i in items if isinstance(i, Skip)]
    assert [(s.kind, s.where) for s in skips] == [
        ("service message", "d.jsonl:1"),
        ("private chat message", "d.jsonl:7"),
    ]
    bad = {i.where: i for i in items if isinstance(i, Bad)}
    assert {w: b.kind for w, b in bad.items()} == {
        "d.jsonl:3": "invalid JSON",
        "d.jsonl:4": "not a message",
        "d.jsonl:5": "malformed entry",
        "d.jsonl:6": "malformed entry",
    }
    assert "a User object" in bad["d.jsonl:4"].reason and "yesterday" in bad["d.jsonl:5"].reason
    assert bad["d.jsonl:3"].raw == b"{not json"  # the original line, for the DLQ
    assert [i.message_id for i in items if isinstance(i, RawPost)] == [10]
    with_private = list(telethon_jsonl.read(lines, "d.jsonl", include_private=True))
    assert [i.message_id for i in with_private if isinstance(i, RawPost)] == [3, 10]


def test_channel_fill_describes_one_channel_of_the_dump() -> None:
    other = tl.Message(id=1, peer_id=tl.PeerChannel(42), date=WHEN, message="x")
    lines = [as_to_json(message(1, "a")), as_to_json(other), as_to_json(message(2, "b"))]
    posts = [i for i in telethon_jsonl.read(lines, "d", FILL) if isinstance(i, RawPost)]
    assert [(p.channel.id, p.channel.username) for p in posts] == [
        (CH.id, CH.username),
        (42, None),
        (CH.id, CH.username),
    ]
    by_id = [i for i in telethon_jsonl.read(lines, "d", {"id": 42, "username": "other_one"}) if isinstance(i, RawPost)]
    assert [p.channel.username for p in by_id] == [None, "other_one", None]


def test_older_and_newer_layers_still_map() -> None:
    """Old dumps carry plain-string poll texts and emoticon reactions; newer ones, types this Telethon lacks."""
    old = {
        "_": "Message",
        "id": 103,
        "peer_id": {"_": "PeerChannel", "channel_id": CH.id},
        "date": 1_600_000_000,
        "message": "",
        "gone_field": 1,
        "media": {
            "_": "MessageMediaPoll",
            "poll": {
                "_": "Poll",
                "id": 1,
                "question": "How did you like it?",
                "answers": [{"_": "PollAnswer", "text": "Awesome", "option": "MA=="}],
            },
            "results": {"_": "PollResults", "results": [{"_": "PollAnswerVoters", "option": "MA==", "voters": 3}]},
        },
        "reactions": {"_": "MessageReactions", "results": [{"_": "ReactionCount", "reaction": "👍", "count": 5}]},
    }
    new = {
        "_": "Message",
        "id": 104,
        "peer_id": {"_": "PeerChannel", "channel_id": CH.id},
        "date": "2030-01-01T00:00:00Z",
        "media": {"_": "MessageMediaHologram", "depth": 3},
    }
    (old_post, new_post) = telethon_jsonl.read([dumped(old), dumped(new)], "d")
    assert isinstance(old_post, RawPost) and isinstance(new_post, RawPost)
    assert old_post.date == datetime.fromtimestamp(1_600_000_000, tz=UTC)
    assert (old_post.model_extra or {})["poll"] == {
        "question": "How did you like it?",
        "answers": [{"text": "Awesome", "voters": 3}],
        "closed": False,
    }
    assert old_post.reactions == {"👍": 5}
    assert new_post.media is not None and new_post.media.model_dump() == {
        "type": "other",
        "class": "MessageMediaHologram",
    }

"""Telegram Desktop exports: full-account exports (chats and left chats, private ones left out unless asked)
and the content beyond the core fields (polls, signatures, sticker emoji, saved_from, custom reactions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telethon.tl import types as tl

from dozor.errors import UsageError
from dozor.records import RawPost, searchable_text
from dozor.stream import run_in_memory
from enrich.pipeline import Enricher
from enrich.stage import make_stage
from ingest.importers import Bad, Item, Skip, tdesktop
from ingest.mapping import poll_summary


def msg(mid: int, text: Any = "", **extra: Any) -> dict[str, Any]:
    base = {"id": mid, "type": "message", "date": "2026-10-20T11:00:00", "date_unixtime": "1792486800", "text": text}
    return base | extra


def chat(kind: str, cid: int, name: str | None, *messages: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": kind, "id": cid, "messages": list(messages or [msg(cid * 10, f"hello from {cid}")])}


SERVICE = {"id": 1, "type": "service", "date": "2026-10-20T10:00:00", "action": "create_channel", "text": ""}
PRIVATE = {"saved_messages": 1, "personal_chat": 2, "bot_chat": 3}
PUBLIC = {
    "private_group": 4,
    "private_supergroup": 5,
    "public_supergroup": 6,
    "private_channel": 7,
    "public_channel": 8,
}


def full_export() -> bytes:
    """A full-account export as Telegram Desktop writes it: every chat type, two of them left."""
    listed = [chat(kind, cid, None if kind == "saved_messages" else f"chat {cid}") for kind, cid in PRIVATE.items()]
    listed += [chat(kind, cid, f"chat {cid}") for kind, cid in PUBLIC.items()]
    listed[-1]["messages"].insert(0, SERVICE)
    left = [chat("public_channel", 9, "left channel"), chat("private_supergroup", 10, "left group")]
    data = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "A"},
        "chats": {"about": "This page lists all chats from this export.", "list": listed},
        "left_chats": {"about": "This page lists all supergroups and channels you've left.", "list": left},
    }
    return json.dumps(data, ensure_ascii=False).encode()


def read(raw: bytes, fill: dict[str, Any] | None = None, **kw: Any) -> list[Item]:
    return list(tdesktop.read(raw, "result.json", fill, **kw))


def test_full_account_export_imports_channels_and_groups_left_ones_too() -> None:
    items = read(full_export())
    posts = [i for i in items if isinstance(i, RawPost)]
    assert sorted({p.channel.id for p in posts}) == [4, 5, 6, 7, 8, 9, 10]
    chats_out = [i for i in items if isinstance(i, Skip) and i.unit == "chat"]
    assert sorted(s.kind for s in chats_out) == sorted(PRIVATE)
    assert [(s.kind, s.unit) for s in items if isinstance(s, Skip) and s.unit == "message"] == [
        ("service message", "message")
    ]
    assert not [i for i in items if isinstance(i, Bad)]
    everything = [i for i in read(full_export(), include_private=True) if isinstance(i, RawPost)]
    assert sorted({p.channel.id for p in everything}) == list(range(1, 11))


def test_channel_fill_in_a_full_account_export_names_one_chat() -> None:
    posts = [i for i in read(full_export(), {"id": 9, "username": "left_one"}) if isinstance(i, RawPost)]
    assert {p.channel.id: p.channel.username for p in posts}[9] == "left_one"
    assert {p.channel.username for p in posts if p.channel.id != 9} == {None}
    assert {p.channel.title for p in posts if p.channel.id == 10} == {"left group"}
    with pytest.raises(UsageError, match="holds 7 chats; give --channel as the numeric id"):
        read(full_export(), {"username": "which_one"})
    with pytest.raises(UsageError, match="--channel names 77, which is not among the exported chats"):
        read(full_export(), {"id": 77})


def test_a_single_private_chat_export_is_left_out_unless_asked() -> None:
    raw = json.dumps(chat("personal_chat", 2, "Alice")).encode()
    assert [(type(i).__name__, getattr(i, "kind", None)) for i in read(raw)] == [("Skip", "personal_chat")]
    assert [type(i).__name__ for i in read(raw, include_private=True)] == ["RawPost"]


DESKTOP_POLL = {
    "question": "Получили повестку?",
    "closed": True,
    "total_voters": 40,
    "answers": [{"text": "Да", "voters": 15, "chosen": False}, {"text": "Нет", "voters": 25, "chosen": True}],
}


def content_export() -> bytes:
    messages = [
        msg(2, "", poll=DESKTOP_POLL),
        msg(3, "Подписано", author="Иван П."),
        msg(4, "", media_type="sticker", file="(File not included.)", sticker_emoji="💠", mime_type="image/webp"),
        msg(5, "из избранного", saved_from="Новости (пример)"),
        msg(
            6,
            "реакции",
            reactions=[
                {"type": "emoji", "count": 5, "emoji": "🔥"},
                {"type": "custom_emoji", "count": 3, "document_id": "5244499185490732178"},
                {"type": "custom_emoji", "count": 2, "document_id": "stickers/sticker (3).webp"},
                {"type": "custom_emoji", "count": 1, "document_id": "stickers/sticker.webp"},
                {"type": "paid", "count": 4},
            ],
        ),
    ]
    return json.dumps({"name": "c", "type": "public_channel", "id": 77, "messages": messages}).encode()


def test_polls_signatures_sticker_emoji_saved_from_and_custom_reactions_are_kept() -> None:
    posts = {p.message_id: p for p in read(content_export()) if isinstance(p, RawPost)}
    extra = {mid: p.model_extra or {} for mid, p in posts.items()}
    assert extra[2]["poll"] == {
        "question": "Получили повестку?",
        "answers": [{"text": "Да", "voters": 15}, {"text": "Нет", "voters": 25}],
        "closed": True,
        "total_voters": 40,
    }
    assert posts[2].text == ""  # text stays as posted; the poll's words are searched through `poll`
    assert extra[3] == {"author": "Иван П."}
    assert extra[4] == {"sticker_emoji": "💠"} and posts[4].media is not None and posts[4].media.type == "sticker"
    assert extra[5] == {"saved_from": {"from_id": None, "from_name": "Новости (пример)", "message_id": None}}
    # A file path is no key: it differs per export. Ids are kept as the collector keys them.
    assert posts[6].reactions == {"🔥": 5, "custom:5244499185490732178": 3, "custom": 3, "paid": 4}


def test_a_poll_reads_the_same_from_desktop_and_from_telethon() -> None:
    live = tl.MessageMediaPoll(
        poll=tl.Poll(
            id=1,
            question=tl.TextWithEntities("Получили повестку?", []),
            answers=[tl.PollAnswer(tl.TextWithEntities(a, []), bytes([n])) for n, a in enumerate(["Да", "Нет"])],
            hash=0,
            closed=True,
        ),
        results=tl.PollResults(
            results=[tl.PollAnswerVoters(bytes([0]), voters=15), tl.PollAnswerVoters(bytes([1]), voters=25)],
            total_voters=40,
        ),
    )
    assert poll_summary(live) == tdesktop.poll(DESKTOP_POLL)


def test_poll_words_are_searchable_while_text_stays_as_posted() -> None:
    record = {"channel": {"id": 77}, "message_id": 2, "text": "Опрос", "poll": tdesktop.poll(DESKTOP_POLL)}
    assert searchable_text(record) == "Опрос\nПолучили повестку?\nДа\nНет"
    enricher = Enricher()
    enriched = enricher.enrich(record)
    assert enriched["text"] == "Опрос"
    assert enriched["text_stem"] == enricher.fields("Опрос\nПолучили повестку?\nДа\nНет")["text_stem"]
    assert enriched["text_stem"] != enricher.fields("Опрос")["text_stem"]
    staged = run_in_memory(make_stage(enricher), [record]).outputs  # the Kafka stage's path
    assert json.loads(staged[0].value)["text_stem"] == enriched["text_stem"]


def test_a_group_export_says_who_wrote_each_message_and_what_it_answers() -> None:
    group = chat(
        "private_supergroup",
        55,
        "Помощь",
        msg(1, "Кто знает юриста?", **{"from": "Алишер К.", "from_id": "user501"}),
        msg(2, "Я знаю", reply_to_message_id=1, **{"from": "Dilnoza", "from_id": "user502"}),
    )
    channel = chat("public_channel", 56, "Канал", msg(3, "пост", **{"from": "Канал", "from_id": "channel56"}))
    data = {"chats": {"list": [group, channel]}}
    posts = {p.message_id: p for p in read(json.dumps(data).encode()) if isinstance(p, RawPost)}
    first, answer, post = posts[1].to_wire(), posts[2].to_wire(), posts[3].to_wire()
    assert first["source_kind"] == "group" and first["sender"] == {"id": 501, "name": "Алишер К."}
    assert answer["reply_to"] == 1 and answer["sender"] == {"id": 502, "name": "Dilnoza"}
    assert "source_kind" not in post and "sender" not in post

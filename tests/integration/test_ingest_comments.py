"""Comments and groups through the collector, against the real Kafka broker: a channel with `comments: true`
and its discussion group, and a group collected as a source of its own; backfill, resume, live."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telethon import events
from telethon.tl import types as tl

from dozor import kafka as dk
from dozor.settings import DozorSettings
from ingest import registry as reg
from ingest.checkpoints import CheckpointStore
from ingest.collector import Account, Collector
from ingest.producer import RawSink, prepare_topics
from ingest.settings import IngestSettings
from tests.support.fakeclient import FakeTelegram, discussion_copy, group_message, user_entity

pytestmark = pytest.mark.integration

CHANNEL, DISCUSSION, GROUP, QUIET = 910_001, 920_002, 930_003, 940_004
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
REGISTRY = reg.parse(
    {
        "channels": [
            {"channel": "@news_uz_test", "category": "media", "country": "UZ", "comments": True},
            {"channel": "@migrants_help_group", "kind": "group", "category": "migrant_community"},
            {"channel": "@quiet_channel", "comments": True},  # no discussion group linked
        ]
    },
    "test registry",
)
ALISHER, DILNOZA = user_entity(501, "Алишер", "Каримов"), user_entity(502, "Dilnoza")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def post(message_id: int, text: str, minutes: int, channel: int = CHANNEL) -> tl.Message:
    return tl.Message(id=message_id, peer_id=tl.PeerChannel(channel), date=at(minutes), message=text, post=True)


def build_fake() -> FakeTelegram:
    fake = FakeTelegram()
    fake.add_channel(CHANNEL, "news_uz_test", "Новости УЗ")
    fake.add_group(DISCUSSION, None, "Новости УЗ — обсуждение")
    fake.link_discussion(CHANNEL, DISCUSSION)
    fake.add_channel(QUIET, "quiet_channel", "Quiet")
    fake.add_message(post(1, "tihiy kanal", 0, QUIET))
    posts = [post(1, "Патент подорожает с 1 января", 0), post(2, "Новые правила регистрации", 30)]
    for p in posts:
        fake.add_message(p)
    fake.add_message(discussion_copy(DISCUSSION, 10, CHANNEL, posts[0]))
    fake.add_message(group_message(DISCUSSION, 11, "А сколько теперь? +7 999 123-45-67", at(5), ALISHER, reply_to=10))
    fake.add_message(group_message(DISCUSSION, 12, "Около 8 тысяч", at(6), DILNOZA, reply_to=11, top=10))
    fake.add_message(discussion_copy(DISCUSSION, 13, CHANNEL, posts[1]))
    fake.add_message(group_message(DISCUSSION, 14, "Где регистрироваться?", at(35), DILNOZA, reply_to=13))
    fake.add_message(group_message(DISCUSSION, 15, "Всем привет", at(40), ALISHER))  # in no thread
    fake.add_group(GROUP, "migrants_help_group", "Помощь мигрантам")
    fake.add_message(group_message(GROUP, 1, "Кто знает юриста в Москве?", at(1), ALISHER))
    fake.add_message(group_message(GROUP, 2, "Напишите в МВД", at(2), DILNOZA, reply_to=1))
    return fake


def settings_for(settings: DozorSettings, **kw: Any) -> IngestSettings:
    return IngestSettings(
        topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, raw_partitions=3, **kw
    )


def records(s: IngestSettings) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in dk.read_all(s, dk.RAW)]


def collector_for(s: IngestSettings, fake: FakeTelegram) -> tuple[Collector, RawSink]:
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    return Collector(s, REGISTRY, [Account(fake.name, fake)], sink, CheckpointStore(s, sink)), sink


async def backfill(s: IngestSettings, fake: FakeTelegram) -> Collector:
    collector, sink = collector_for(s, fake)
    try:
        await collector.run(live=False)
    finally:
        sink.close()
    return collector


def by_key(recs: list[dict[str, Any]]) -> dict[tuple[int, int], dict[str, Any]]:
    return {(r["channel"]["id"], r["message_id"]): r for r in recs}


def test_comments_and_groups_backfill_then_resume(settings: DozorSettings) -> None:
    s = settings_for(settings, checkpoint_every=2)
    fake = build_fake()
    collector = asyncio.run(backfill(s, fake))
    got = by_key(records(s))
    assert set(got) == {
        (CHANNEL, 1),
        (CHANNEL, 2),
        (QUIET, 1),
        *((DISCUSSION, i) for i in (11, 12, 14, 15)),  # the copies 10 and 13 are the channel's posts
        (GROUP, 1),
        (GROUP, 2),
    }
    assert "source_kind" not in got[(CHANNEL, 1)] and "thread" not in got[(CHANNEL, 1)]
    first = got[(DISCUSSION, 11)]
    assert first["source_kind"] == "comments"
    assert first["thread"] == {"channel_id": CHANNEL, "message_id": 1}
    assert first["reply_to"] == 10  # the replied message of its own chat, as for any post
    assert first["sender"] == {"id": 501, "name": "Алишер Каримов"}
    # The group takes the category and country of the channel it discusses.
    assert first["channel"] == {
        "id": DISCUSSION,
        "username": None,
        "title": "Новости УЗ — обсуждение",
        "category": "media",
        "country": "UZ",
    }
    assert got[(DISCUSSION, 12)]["thread"] == {"channel_id": CHANNEL, "message_id": 1}  # a reply to a comment
    assert got[(DISCUSSION, 14)]["thread"] == {"channel_id": CHANNEL, "message_id": 2}
    assert "thread" not in got[(DISCUSSION, 15)] and got[(DISCUSSION, 15)]["source_kind"] == "comments"
    own = got[(GROUP, 2)]
    assert own["source_kind"] == "group" and own["reply_to"] == 1 and "thread" not in own
    assert own["sender"] == {"id": 502, "name": "Dilnoza"} and own["channel"]["category"] == "migrant_community"
    # Every source has its own checkpoint: the group's counts the copies read.
    positions = {cid: cp.last_id for cid, cp in collector.checkpoints.positions.items()}
    assert positions == {CHANNEL: 2, DISCUSSION: 15, GROUP: 2, QUIET: 1}
    labels = {h.label: h.state for h in collector.stats.channels}
    assert labels["@news_uz_test comments"] == "ok" and "@quiet_channel comments" not in labels

    # A new run (nothing cached): a comment in the thread of a copy read by the first run finds its post.
    before = Counter((r["channel"]["id"], r["message_id"]) for r in records(s))
    fresh = build_fake()
    fresh.add_message(group_message(DISCUSSION, 16, "Спасибо!", at(50), ALISHER, reply_to=14, top=13))
    fresh.add_message(group_message(GROUP, 3, "МВД на Садовой", at(51), ALISHER))
    asyncio.run(backfill(s, fresh))
    after = records(s)
    added = Counter((r["channel"]["id"], r["message_id"]) for r in after) - before
    assert added == {(DISCUSSION, 16): 1, (GROUP, 3): 1}  # nothing sent again
    new = by_key(after)
    assert new[(DISCUSSION, 16)]["thread"] == {"channel_id": CHANNEL, "message_id": 2}
    # The newest-message probe, then the one lookup of the copy the comment's thread starts at.
    assert sum(1 for _, op, cid in fresh.calls if op == "get_messages" and cid == DISCUSSION) == 2


def test_comments_live_new_edit_delete(settings: DozorSettings) -> None:
    s = settings_for(settings, gap_fill_interval_s=30)
    fake = build_fake()

    async def scenario() -> Collector:
        collector, sink = collector_for(s, fake)
        task = asyncio.create_task(collector.run(live=True))
        deadline = time.monotonic() + 30
        while not fake.handlers and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        third = post(3, "Срочно: изменения в миграционном учёте", 60)
        copy = discussion_copy(DISCUSSION, 20, CHANNEL, third)
        comment = group_message(DISCUSSION, 21, "Это правда?", at(61), DILNOZA, reply_to=20)
        in_group = group_message(GROUP, 3, "Юрист на Садовой", at(62), DILNOZA, reply_to=1)
        for message in (third, copy, comment, in_group):
            fake.add_message(message)
            await fake.emit(events.NewMessage.Event(message))
        edited = group_message(DISCUSSION, 21, "Это правда? Источник?", at(61), DILNOZA, reply_to=20)
        edited.edit_date = at(63)
        await fake.emit(events.MessageEdited.Event(edited))
        await fake.emit(events.MessageDeleted.Event([11, 20], tl.PeerChannel(DISCUSSION)))
        collector.stop()
        await task
        sink.close()
        return collector

    collector = asyncio.run(scenario())
    recs = records(s)
    live = [r for r in recs if r["channel"]["id"] == DISCUSSION and r["message_id"] in (11, 20, 21)]
    kinds = Counter((r["message_id"], r["event"]) for r in live)
    assert kinds == {(11, "new"): 1, (21, "new"): 1, (21, "edit"): 1, (11, "delete"): 1}  # nothing for copy 20
    for r in live:
        if r["message_id"] == 21:
            assert r["thread"] == {"channel_id": CHANNEL, "message_id": 3} and r["source_kind"] == "comments"
    assert (CHANNEL, 3) in by_key(recs)
    group_live = by_key(recs)[(GROUP, 3)]
    assert group_live["source_kind"] == "group" and group_live["reply_to"] == 1 and "thread" not in group_live
    assert collector.stats.deletes == 1 and collector.stats.edits == 1


def test_a_registry_kind_that_does_not_match_fails_that_source(settings: DozorSettings) -> None:
    s = settings_for(settings)
    fake = build_fake()
    wrong = reg.parse(
        {"channels": [{"channel": "@news_uz_test", "kind": "group"}, {"channel": "@migrants_help_group"}]}, "wrong"
    )
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    collector = Collector(s, wrong, [Account(fake.name, fake)], sink, CheckpointStore(s, sink))
    try:
        asyncio.run(collector.run(live=False))
    finally:
        sink.close()
    reasons = {h.label: h.reason or "" for h in collector.stats.channels}
    assert "is a channel: set `kind: channel`" in reasons["@news_uz_test"]
    assert "is a group: set `kind: group`" in reasons["@migrants_help_group"]
    assert records(s) == []

"""The collector against the real Kafka broker, driven by a fake client over real Telethon messages."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY as METRICS
from telethon import events
from telethon.errors import ChannelPrivateError, FloodWaitError
from telethon.tl import types as tl

from dozor import kafka as dk
from dozor.settings import DozorSettings
from ingest import registry as reg
from ingest.checkpoints import CheckpointStore
from ingest.collector import Account, Collector, shard
from ingest.producer import RawSink, prepare_topics
from ingest.settings import IngestSettings
from tests.support.fakeclient import FakeTelegram, message_from_record

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "samples"
CORPUS = [json.loads(line) for line in (SAMPLES / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
NEW = [r for r in CORPUS if r["event"] == "new"]
REGISTRY = reg.load(SAMPLES / "channels.example.yaml")


def ingest_settings(settings: DozorSettings, **kw: Any) -> IngestSettings:
    return IngestSettings(
        topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, raw_partitions=3, **kw
    )


def raw_records(settings: IngestSettings) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in dk.read_all(settings, dk.RAW)]


def make_collector(s: IngestSettings, fakes: list[FakeTelegram]) -> tuple[Collector, RawSink]:
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    accounts = [Account(f.name, f) for f in fakes]
    return Collector(s, REGISTRY, accounts, sink, CheckpointStore(s, sink)), sink


async def run_once(s: IngestSettings, fakes: list[FakeTelegram]) -> Collector:
    collector, sink = make_collector(s, fakes)
    try:
        await collector.run(live=False)
    finally:
        sink.close()
    return collector


def expected_ids() -> set[tuple[int, int]]:
    return {(r["channel"]["id"], r["message_id"]) for r in NEW}


def test_backfill_stop_mid_channel_restart_resumes_without_gap(settings: DozorSettings) -> None:
    s = ingest_settings(settings, checkpoint_every=10)
    busiest = Counter(r["channel"]["id"] for r in NEW).most_common(1)[0][0]

    crashing = FakeTelegram.from_records(CORPUS)
    crashing.drop_after[busiest] = 25  # the connection drops mid-channel, after 2 checkpoints
    with pytest.raises(ConnectionError):
        asyncio.run(run_once(s, [crashing]))
    first = raw_records(s)
    assert 20 <= sum(1 for r in first if r["channel"]["id"] == busiest) < 30

    collector = asyncio.run(run_once(s, [FakeTelegram.from_records(CORPUS)]))
    records = raw_records(s)
    ids = Counter((r["channel"]["id"], r["message_id"]) for r in records)
    assert set(ids) == expected_ids()  # every message, no gap
    resent = sum(n - 1 for n in ids.values())
    assert resent <= s.checkpoint_every  # only the unconfirmed tail of the interrupted batch
    assert {r["event"] for r in records} == {"new"}
    # The mapping of the fetched messages gives back the corpus records (collected_at and evidence aside).
    by_id = {(r["channel"]["id"], r["message_id"]): r for r in NEW}
    own = {"collected_at", "collector", "raw_sha256"}
    for rec in records:
        want = by_id[(rec["channel"]["id"], rec["message_id"])]
        if (want.get("forward") or {}).get("from_id") is not None:  # Telethon's peer says the origin is a channel
            want = {**want, "forward": {**want["forward"], "from_type": "channel"}}
        assert {k: v for k, v in rec.items() if k not in own} == {k: v for k, v in want.items() if k not in own}
        assert rec["collector"] == "telethon:fake" and len(rec["raw_sha256"]) == 64
    # Each channel's checkpoint is its newest message.
    newest = {cid: max(mid for c, mid in expected_ids() if c == cid) for cid, _ in expected_ids()}
    assert {cid: cp.last_id for cid, cp in collector.checkpoints.positions.items()} == newest

    # A third run has nothing to fetch: no new record.
    asyncio.run(run_once(s, [FakeTelegram.from_records(CORPUS)]))
    assert len(raw_records(s)) == len(records)


class StoppingFake(FakeTelegram):
    """Asks the collector to stop (as SIGINT would) after it has read ``after`` messages of a channel."""

    collector: Collector | None = None

    def __init__(self, channel_id: int, after: int) -> None:
        super().__init__()
        self.stop_channel, self.after = channel_id, after

    async def iter_messages(self, entity: Any, **kw: Any) -> AsyncIterator[Any]:
        n = 0
        async for message in super().iter_messages(entity, **kw):
            if entity.id == self.stop_channel and n == self.after and self.collector is not None:
                self.collector.stop()
            n += 1
            yield message


def test_graceful_stop_mid_channel_then_restart(settings: DozorSettings) -> None:
    s = ingest_settings(settings, checkpoint_every=50)
    busiest = Counter(r["channel"]["id"] for r in NEW).most_common(1)[0][0]
    fake = StoppingFake(busiest, after=7)
    for rec in NEW:
        ch = rec["channel"]
        fake.add_channel(ch["id"], ch["username"], ch["title"])
        fake.add_message(message_from_record(rec))
    collector, sink = make_collector(s, [fake])
    fake.collector = collector
    try:
        asyncio.run(collector.run(live=True))  # returns: stopped during the backfill
    finally:
        sink.close()
    first = Counter(r["channel"]["id"] for r in raw_records(s))
    assert first[busiest] == 8  # read up to the stop, all of it sent and checkpointed
    assert (
        collector.checkpoints.positions[busiest].last_id
        == sorted(r["message_id"] for r in NEW if r["channel"]["id"] == busiest)[7]
    )

    asyncio.run(run_once(s, [FakeTelegram.from_records(CORPUS)]))
    ids = Counter((r["channel"]["id"], r["message_id"]) for r in raw_records(s))
    assert set(ids) == expected_ids() and max(ids.values()) == 1  # no gap, nothing twice


def test_live_new_edit_delete_and_gap_fill(settings: DozorSettings) -> None:
    s = ingest_settings(settings, gap_fill_interval_s=0.3)
    # Two accounts that are both members of every channel: each live event arrives twice.
    fake, other = FakeTelegram.from_records(CORPUS, "a"), FakeTelegram.from_records(CORPUS, "b")
    channel = NEW[0]["channel"]
    top = max(r["message_id"] for r in NEW if r["channel"]["id"] == channel["id"])
    base = NEW[0] | {"date": "2026-11-20T10:00:00Z", "reply_to": None, "forward": None}

    async def scenario() -> Collector:
        collector, sink = make_collector(s, [fake, other])
        task = asyncio.create_task(collector.run(live=True))
        while not (fake.handlers and other.handlers):
            await asyncio.sleep(0.05)
        live = message_from_record(base | {"message_id": top + 1, "text": "Live: новый пост о патентах"})
        for f in (fake, other):
            await f.emit(events.NewMessage.Event(live))
        for f in (fake, other):
            f.add_message(live)  # after the event was handled, so the gap fill finds it already sent
        edited = message_from_record(
            base
            | {
                "message_id": top + 1,
                "text": "Live: новый пост о патентах (исправлено)",
                "edit_date": "2026-11-20T10:05:00Z",
            }
        )
        deleted = events.MessageDeleted.Event([NEW[0]["message_id"]], tl.PeerChannel(channel["id"]))
        for f in (fake, other):
            await f.emit(events.MessageEdited.Event(edited))
            await f.emit(deleted)
        # NewMessage is not delivered for some channels: the gap-fill pass must fetch it anyway.
        missed = message_from_record(base | {"message_id": top + 2, "text": "Missed by live events"})
        for f in (fake, other):
            f.add_message(missed)
        deadline = time.monotonic() + 20
        while collector.checkpoints.positions[channel["id"]].last_id < top + 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        collector.stop()
        await task
        sink.close()
        return collector

    collector = asyncio.run(scenario())
    records = [r for r in raw_records(s) if r["channel"]["id"] == channel["id"]]
    events_by_id = Counter((r["message_id"], r["event"]) for r in records)
    assert events_by_id[(top + 1, "new")] == 1  # live, not fetched again by the gap fill
    assert events_by_id[(top + 1, "edit")] == 1
    assert events_by_id[(top + 2, "new")] == 1  # recovered by the gap fill
    edit = next(r for r in records if r["event"] == "edit")
    assert edit["text"].endswith("(исправлено)") and edit["edit_date"] == "2026-11-20T10:05:00Z"
    delete = next(r for r in records if r["event"] == "delete")
    assert delete["message_id"] == NEW[0]["message_id"] and delete["text"] == ""
    assert delete["channel"]["category"] == channel["category"]
    assert collector.stats.edits == 1 and collector.stats.deletes == 1


def test_floodwait_pauses_that_account_only_and_then_continues(settings: DozorSettings) -> None:
    s = ingest_settings(settings)
    fakes = [FakeTelegram.from_records(CORPUS, "acct-a"), FakeTelegram.from_records(CORPUS, "acct-b")]
    accounts = [Account(f.name, f) for f in fakes]
    owned = {a.name: [e for e, acct in shard(REGISTRY.enabled, accounts) if acct is a] for a in accounts}
    assert owned["acct-a"] and owned["acct-b"]
    victim = REGISTRY.find(owned["acct-a"][0].label)
    assert victim is not None
    victim_id = next(r["channel"]["id"] for r in NEW if r["channel"]["username"] == victim.username)
    fakes[0].failures[victim_id] = [FloodWaitError(request=None, capture=2)]
    raw_topic = {"stage": "ingest.collect", "topic": s.topic(dk.RAW)}
    before = [_metric(n, account="acct-a") for n in ("dozor_floodwaits_total", "dozor_floodwait_seconds_total")]
    sent_before = _metric("dozor_records_out_total", **raw_topic)

    collector = asyncio.run(run_once(s, fakes))
    after = [_metric(n, account="acct-a") for n in ("dozor_floodwaits_total", "dozor_floodwait_seconds_total")]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 2]  # Prometheus metrics (dozor/metrics.py)

    gate = collector.accounts[0].gate
    assert gate.waits == [(victim.label, 2)]
    raised_at = next(t for t, op, cid in fakes[0].calls if cid == victim_id)
    after = [t for t, _, _ in fakes[0].calls if t > raised_at]
    assert after and min(after) - raised_at >= 1.9  # no request of account A during the wait
    assert any(raised_at < t < raised_at + 1.9 for t, _, _ in fakes[1].calls)  # account B went on
    ids = {(r["channel"]["id"], r["message_id"]) for r in raw_records(s)}
    assert ids == expected_ids()
    assert _metric("dozor_records_out_total", **raw_topic) - sent_before == len(raw_records(s))


def _metric(name: str, **labels: str) -> float:
    return METRICS.get_sample_value(name, labels) or 0.0


def test_a_failing_channel_does_not_stop_the_others(settings: DozorSettings) -> None:
    s = ingest_settings(settings)
    fake = FakeTelegram.from_records(CORPUS)
    broken = NEW[5]["channel"]["id"]
    fake.failures[broken] = [ChannelPrivateError(request=None)] * 3
    # Odd input inside another channel: a service message, a giant text, invalid Unicode.
    other = NEW[0]["channel"]["id"]
    fake.add_message(
        tl.MessageService(id=10, peer_id=tl.PeerChannel(other), date=None, action=tl.MessageActionPinMessage())
    )
    big = message_from_record(NEW[0] | {"message_id": 11, "text": "x" * 1_048_576, "reply_to": None})
    bad = message_from_record(NEW[0] | {"message_id": 12, "text": "ok", "reply_to": None})
    bad.message = "broken \udc80 text"
    fake.add_message(big)
    fake.add_message(bad)

    errors_before = _metric("dozor_channel_errors_total", error="ChannelPrivateError")
    collector = asyncio.run(run_once(s, [fake]))
    ids = {(r["channel"]["id"], r["message_id"]) for r in raw_records(s)}
    assert ids == {i for i in expected_ids() if i[0] != broken}
    assert collector.stats.channel_errors >= 1
    errors = _metric("dozor_channel_errors_total", error="ChannelPrivateError") - errors_before
    assert errors == collector.stats.channel_errors  # in /metrics too
    assert collector.stats.skipped == Counter({"service message": 1, "text too long": 1, "invalid Unicode": 1})
    # The channel's position still moved past the skipped messages (they are not retried forever).
    assert collector.checkpoints.positions[other].last_id > 12

    # The next pass (the error is gone) collects the broken channel too.
    asyncio.run(run_once(s, [FakeTelegram.from_records(CORPUS)]))
    assert {(r["channel"]["id"], r["message_id"]) for r in raw_records(s)} == expected_ids()


def test_since_limits_a_channel_without_checkpoint(settings: DozorSettings) -> None:
    s = ingest_settings(settings)
    collector, sink = make_collector(s, [FakeTelegram.from_records(CORPUS)])
    since = sorted(r["date"] for r in NEW)[len(NEW) // 2]
    collector.since = datetime.fromisoformat(since)
    try:
        asyncio.run(collector.run(live=False))
    finally:
        sink.close()
    got = raw_records(s)
    assert got and all(r["date"] > since for r in got)
    assert len(got) == sum(1 for r in NEW if r["date"] > since)

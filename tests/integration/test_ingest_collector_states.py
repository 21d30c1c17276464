"""The Telegram side under faults (issue 17): a revoked session, channels that go private or away, FloodWait
storms and restarts each end in a clear state in the summary and in /metrics; nothing is lost. Real Telethon
errors and messages through the fake client, real Kafka after it."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY as METRICS
from telethon import events
from telethon.errors import (
    AuthKeyUnregisteredError,
    ChannelPrivateError,
    FloodWaitError,
    SessionRevokedError,
    UserBannedInChannelError,
    UserDeactivatedBanError,
)

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
CHANNEL_ID = {f"@{r['channel']['username']}": r["channel"]["id"] for r in NEW}


def ingest_settings(settings: DozorSettings, **kw: Any) -> IngestSettings:
    return IngestSettings(
        topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, raw_partitions=3, **kw
    )


def raw_ids(s: IngestSettings) -> Counter[tuple[int, int]]:
    return Counter(
        (r["channel"]["id"], r["message_id"])
        for r in (json.loads(m.value) for m in dk.read_all(s, dk.RAW))
        if r["event"] == "new"
    )


def ids_of(channels: set[int]) -> set[tuple[int, int]]:
    return {(r["channel"]["id"], r["message_id"]) for r in NEW if r["channel"]["id"] in channels}


def metric(name: str, **labels: str) -> float:
    return METRICS.get_sample_value(name, labels) or 0.0


def make(s: IngestSettings, fakes: list[FakeTelegram]) -> tuple[Collector, RawSink]:
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    return Collector(s, REGISTRY, [Account(f.name, f) for f in fakes], sink, CheckpointStore(s, sink)), sink


async def run(collector: Collector, sink: RawSink, live: bool = False) -> Collector:
    try:
        await asyncio.wait_for(collector.run(live=live), timeout=60)  # never a silent hang
    finally:
        sink.close()
    return collector


def owned(fakes: list[FakeTelegram]) -> dict[str, set[int]]:
    accounts = [Account(f.name, f) for f in fakes]
    out: dict[str, set[int]] = {a.name: set() for a in accounts}
    for entry, account in shard(REGISTRY.enabled, accounts):
        out[account.name].add(CHANNEL_ID[entry.label])
    return out


def test_revoked_session_stops_its_account_with_one_line_and_the_other_goes_on(
    settings: DozorSettings, caplog: pytest.LogCaptureFixture
) -> None:
    s = ingest_settings(settings)
    fakes = [FakeTelegram.from_records(CORPUS, "acct-a"), FakeTelegram.from_records(CORPUS, "acct-b")]
    mine = owned(fakes)
    first_of_a = CHANNEL_ID[
        next(e.label for e, a in shard(REGISTRY.enabled, [Account(f.name, f) for f in fakes]) if a.name == "acct-a")
    ]
    for cid in mine["acct-a"]:  # whatever it asks first fails: the session was terminated
        fakes[0].failures[cid] = [SessionRevokedError(request=None)]
    errors_before = metric("dozor_channel_errors_total", error="SessionRevokedError")
    caplog.set_level(logging.INFO)

    collector = asyncio.run(run(*make(s, fakes)))
    assert len(fakes[0].calls) == 1 and fakes[0].calls[0][2] == first_of_a  # one request, then nothing more
    assert set(raw_ids(s)) == ids_of(mine["acct-b"])  # account B collected all of its channels
    health = collector.accounts[0].health
    assert (health.state, health.working, collector.stats.working) == ("revoked", False, True)
    line = "account acct-a: session revoked (SessionRevokedError); sign in again with `dozor telegram login`"
    assert line in collector.stats.summary()
    assert [r.getMessage() for r in caplog.records if "acct-a: session" in r.getMessage()] == [line]
    assert metric("dozor_collector_account_state", account="acct-a", state="revoked") == 1
    assert metric("dozor_collector_account_state", account="acct-a", state="collecting") == 0
    assert metric("dozor_collector_account_state", account="acct-b", state="collecting") == 1
    stopped = {c.label for c in collector.stats.channels if c.state == "stopped"}
    assert {CHANNEL_ID[label] for label in stopped} == mine["acct-a"]
    assert all(metric("dozor_channel_state", channel=label, state="stopped") == 1 for label in stopped)
    # Not counted as an error of every channel.
    assert metric("dozor_channel_errors_total", error="SessionRevokedError") == errors_before


def test_no_account_left_ends_a_live_run_with_the_reason(settings: DozorSettings) -> None:
    s = ingest_settings(settings, gap_fill_interval_s=0.05)
    fake = FakeTelegram.from_records(CORPUS, "only")
    for cid in CHANNEL_ID.values():
        fake.failures[cid] = [UserDeactivatedBanError(request=None)]
    collector = asyncio.run(run(*make(s, [fake]), live=True))  # returns instead of following nothing
    assert not collector.stats.working and collector.accounts[0].health.state == "banned"
    assert "account only: session banned (UserDeactivatedBanError)" in collector.stats.summary()
    assert fake.handlers == []  # live events were never installed


class RevokedMidway(FakeTelegram):
    """The session is revoked after ``after`` messages of one channel were read."""

    def __init__(self, channel_id: int, after: int) -> None:
        super().__init__("revoked")
        self.victim, self.after = channel_id, after

    async def iter_messages(self, entity: Any, **kw: Any) -> AsyncIterator[Any]:
        n = 0
        async for message in super().iter_messages(entity, **kw):
            if entity.id == self.victim and n == self.after:
                raise AuthKeyUnregisteredError(request=None)
            n += 1
            yield message


def test_revoked_mid_backfill_then_signed_in_again_resumes_from_the_checkpoint(settings: DozorSettings) -> None:
    s = ingest_settings(settings, checkpoint_every=10)
    busiest = Counter(r["channel"]["id"] for r in NEW).most_common(1)[0][0]
    fake = RevokedMidway(busiest, after=25)
    for rec in NEW:
        fake.add_channel(rec["channel"]["id"], rec["channel"]["username"], rec["channel"]["title"])
        fake.add_message(message_from_record(rec))
    collector = asyncio.run(run(*make(s, [fake])))
    assert collector.accounts[0].health.state == "revoked" and not collector.stats.working
    first = raw_ids(s)
    assert sum(1 for cid, _ in first if cid == busiest) == 20  # the two acknowledged batches, checkpointed

    asyncio.run(run(*make(s, [FakeTelegram.from_records(CORPUS)])))  # after `dozor telegram login`
    ids = raw_ids(s)
    assert set(ids) == ids_of(set(CHANNEL_ID.values())) and max(ids.values()) == 1  # no gap, nothing twice


def test_private_gone_and_banned_channels_back_off_and_recover(settings: DozorSettings) -> None:
    s = ingest_settings(settings, gap_fill_interval_s=0.05)
    fake = FakeTelegram.from_records(CORPUS)
    private, gone, banned = "@rights_monitor_example", "@kz_zhanalyk_example", "@safarat_tj_example"
    fake.failures[CHANNEL_ID[private]] = [ChannelPrivateError(request=None)] * 4  # readable at the 5th try
    fake.failures[CHANNEL_ID[banned]] = [UserBannedInChannelError(request=None)] * 100
    del fake.channels[CHANNEL_ID[gone]]  # deleted: Telethon finds no entity (ValueError)
    probe = CHANNEL_ID["@guvm_official_example"]  # a healthy channel: one get_messages per pass

    def passes() -> int:
        return sum(1 for _, op, cid in fake.calls if op == "get_messages" and cid == probe)

    def tries(label: str) -> int:
        return sum(1 for _, _, cid in fake.calls if cid == CHANNEL_ID[label])

    async def scenario() -> tuple[Collector, dict[str, str], tuple[int, int]]:
        collector, sink = make(s, [fake])
        task = asyncio.create_task(run(collector, sink, live=True))
        health = next(c for c in collector.stats.channels if c.label == private)
        deadline = time.monotonic() + 30
        while passes() < 8 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        states = {c.label: c.state for c in collector.stats.channels}
        summary, tried = collector.stats.summary(), (tries(private), tries(banned))
        while health.state != "ok" and time.monotonic() < deadline:  # the 5th try (pass 16) reads it
            await asyncio.sleep(0.01)
        collector.stop()
        await task
        return collector, states | {"summary": summary}, tried

    collector, seen, tried = asyncio.run(scenario())
    # Passes 1, 2, 4 and 8 tried them (backoff), not all 8; the others were read every pass.
    assert tried == (4, 4)
    assert (seen[private], seen[gone], seen[banned]) == ("private", "gone", "banned")
    assert f"channels: 1 banned ({banned}), 1 gone ({gone}), 1 private ({private})" in seen["summary"]
    assert {v for k, v in seen.items() if k not in (private, gone, banned, "summary")} == {"ok"}
    # Then the channel became readable again: collected, and ok in the summary and the gauges.
    now = {c.label: c.state for c in collector.stats.channels}
    assert now[private] == "ok" and now[banned] == "banned"
    assert metric("dozor_channel_state", channel=private, state="ok") == 1
    assert metric("dozor_channel_state", channel=private, state="private") == 0
    assert metric("dozor_channel_state", channel=gone, state="gone") == 1
    assert set(raw_ids(s)) == ids_of(set(CHANNEL_ID.values()) - {CHANNEL_ID[gone], CHANNEL_ID[banned]})


def test_floodwait_storm_is_waited_out_by_the_whole_account_and_loses_nothing(
    settings: DozorSettings, caplog: pytest.LogCaptureFixture
) -> None:
    s = ingest_settings(settings, checkpoint_every=10)
    fakes = [FakeTelegram.from_records(CORPUS, "storm-a"), FakeTelegram.from_records(CORPUS, "storm-b")]
    a_channels = sorted(owned(fakes)["storm-a"])
    assert len(a_channels) >= 2
    # FloodWaits in a row on two channels of account A (zero-second ones keep the test short; one real
    # second checks that the whole account waits).
    fakes[0].failures[a_channels[0]] = [FloodWaitError(request=None, capture=0)] * 9 + [
        FloodWaitError(request=None, capture=1)
    ]
    fakes[0].failures[a_channels[1]] = [FloodWaitError(request=None, capture=0)] * 5
    before = [metric(n, account="storm-a") for n in ("dozor_floodwaits_total", "dozor_floodwait_seconds_total")]
    caplog.set_level(logging.WARNING)

    collector = asyncio.run(run(*make(s, fakes)))
    after = [metric(n, account="storm-a") for n in ("dozor_floodwaits_total", "dozor_floodwait_seconds_total")]
    assert [a - b for a, b in zip(after, before, strict=True)] == [15, 1]
    assert len(collector.accounts[0].gate.waits) == 15 and collector.accounts[1].gate.waits == []
    assert "15 FloodWaits, 1 s paused" in collector.stats.summary()
    assert sum("storm-a: FloodWait of" in r.getMessage() for r in caplog.records) == 15
    assert metric("dozor_floodwait_remaining_seconds", account="storm-a") == 0
    # No request of account A while it waited the one second.
    calls = fakes[0].calls
    raised = [t for t, _, cid in calls if cid == a_channels[0]][9]
    assert min(t for t, _, _ in calls if t > raised) - raised >= 0.95
    ids = raw_ids(s)
    assert set(ids) == ids_of(set(CHANNEL_ID.values())) and max(ids.values()) == 1
    assert {c.state for c in collector.stats.channels} == {"ok"}


def test_restart_during_live_loses_nothing(settings: DozorSettings) -> None:
    s = ingest_settings(settings, gap_fill_interval_s=60)
    fake = FakeTelegram.from_records(CORPUS)
    channel = NEW[0]["channel"]
    top = max(r["message_id"] for r in NEW if r["channel"]["id"] == channel["id"])
    base = NEW[0] | {"date": "2026-11-20T10:00:00Z", "reply_to": None, "forward": None}
    live = message_from_record(base | {"message_id": top + 1, "text": "live before the restart"})
    while_down = message_from_record(base | {"message_id": top + 2, "text": "posted while stopped"})

    async def first_run() -> None:
        collector, sink = make(s, [fake])
        task = asyncio.create_task(run(collector, sink, live=True))
        while not fake.handlers:
            await asyncio.sleep(0.02)
        fake.add_message(live)
        await fake.emit(events.NewMessage.Event(live))
        collector.stop()  # SIGTERM while live: the live post was sent, not yet checkpointed
        await task

    asyncio.run(first_run())
    fake.add_message(while_down)
    restarted = FakeTelegram.from_records(CORPUS)
    restarted.channels = fake.channels
    asyncio.run(run(*make(s, [restarted])))
    ids = raw_ids(s)
    assert set(ids) == ids_of(set(CHANNEL_ID.values())) | {(channel["id"], top + 1), (channel["id"], top + 2)}
    assert ids[(channel["id"], top + 2)] == 1
    assert ids[(channel["id"], top + 1)] <= 2  # at least once: sent live, then again from the checkpoint
    assert max(v for k, v in ids.items() if k[1] <= top) == 1


def test_session_revoked_while_live_ends_the_run_at_the_next_gap_fill(settings: DozorSettings) -> None:
    s = ingest_settings(settings, gap_fill_interval_s=0.05)
    fake = FakeTelegram.from_records(CORPUS, "live")

    async def scenario() -> Collector:
        collector, sink = make(s, [fake])
        task = asyncio.create_task(run(collector, sink, live=True))
        while not fake.handlers:
            await asyncio.sleep(0.02)
        for cid in CHANNEL_ID.values():  # signed out from another device while following live
            fake.failures[cid] = [SessionRevokedError(request=None)]
        return await task  # returns by itself: no account left

    collector = asyncio.run(scenario())
    assert collector.accounts[0].health.state == "revoked" and not collector.stats.working
    assert set(raw_ids(s)) == ids_of(set(CHANNEL_ID.values()))  # the backfill before it is all there
    assert metric("dozor_collector_account_state", account="live", state="revoked") == 1


def test_session_revoked_on_a_download_stops_the_account_and_its_other_downloads(
    settings: DozorSettings, tmp_path: Path
) -> None:
    from dozor.records import MediaEvent
    from dozor.settings import load
    from media.settings import MediaSettings
    from media.store import open_store

    s = ingest_settings(settings, checkpoint_every=10, media_concurrency=1)
    store = open_store(load(MediaSettings, media_url=(tmp_path / "blobs").as_uri()))
    cid = 1790000201
    registry = reg.parse({"channels": [{"channel": cid}]}, "test registry")
    fake = FakeTelegram("acct")
    fake.add_channel(cid, "revoked_media_example", "Media")
    for mid in range(1, 31):
        record = {
            "channel": {"id": cid, "username": "revoked_media_example"},
            "message_id": mid,
            "date": "2026-11-02T10:00:00Z",
            "text": "",
            "media": {"type": "photo", "width": 8, "height": 8, "size": 3},
        }
        message = message_from_record(record)
        fake.add_message(message)
        fake.add_file(message, b"jpg")
    fake.download_failures[(cid, 1)] = [SessionRevokedError(request=None)]
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    collector = Collector(s, registry, [Account("acct", fake)], sink, CheckpointStore(s, sink), store=store)
    asyncio.run(run(collector, sink))

    assert collector.accounts[0].health.state == "revoked" and not collector.stats.working
    assert sum(1 for _, op, _ in fake.calls if op == "download_media") == 1  # none after the first answer
    sent = {mid for c, mid in raw_ids(s) if c == cid}
    media = [MediaEvent.model_validate(json.loads(r.value)) for r in dk.read_all(s, dk.MEDIA)]
    # Every sent post's photo is accounted for: failed, with why; none is dropped without a word.
    assert sorted(e.message_id for e in media) == sorted(sent)
    reasons = {e.message_id: e.item.reason or "" for e in media}
    assert {e.item.status for e in media} == {"failed"} and reasons[1].startswith("SessionRevokedError")
    assert all(r == "account acct: session revoked" for m, r in reasons.items() if m != 1)

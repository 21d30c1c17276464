"""The hash-chained evidence log on the real Elasticsearch: linear under concurrent writers (threads and
processes), idempotent stage under redelivery, and tampering found by `verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from dozor.stream import run_in_memory
from evidence.chain import GENESIS, Chain, Record, compute_hash, doc_id
from evidence.settings import EvidenceSettings
from evidence.stage import EvidenceStage
from search.settings import SearchSettings

pytestmark = pytest.mark.integration

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture()
def ev(ss: SearchSettings) -> EvidenceSettings:
    """Evidence settings under the test's prefixes (`ss` drops the test's indices afterwards)."""
    return EvidenceSettings(topic_prefix=ss.topic_prefix, index_prefix=ss.index_prefix)


def _record(i: int, writer: str = "w") -> Record:
    return Record(kind="post", post_id=f"tg:100:{i}", version="new", raw_sha256=None, collector=writer)


def test_entries_link_up_from_the_genesis(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = Chain(es, ev)
    first = chain.append(_record(1))
    second = chain.append(Record("media", "tg:100:1", None, media_sha256=(SHA_A,)))
    assert (first["seq"], first["prev_hash"]) == (1, GENESIS)
    assert (second["seq"], second["prev_hash"]) == (2, first["entry_hash"])
    assert second["entry_hash"] == compute_hash(second)
    stored = es.get(index=chain.index, id=doc_id(2))["_source"]
    assert stored == second
    # A second writer (another process's view) picks up the head and goes on from it.
    assert Chain(es, ev).append(_record(2))["seq"] == 3
    assert Chain(es, ev).verify().problems == []


def _assert_linear(chain: Chain, total: int) -> None:
    check = chain.verify()
    assert check.problems == []
    assert check.checked == total
    head = chain.head()
    assert head is not None and head["seq"] == total


def test_concurrent_threads_make_one_linear_chain(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = Chain(es, ev)
    chain.ensure_indices()
    per_writer = 30
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        mine = Chain(Elasticsearch(str(ev.es_url)), ev)  # its own client and head, like another process
        try:
            for i in range(per_writer):
                mine.append(_record(i, name))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _assert_linear(chain, 2 * per_writer)
    collectors = [e["collector"] for e in chain.get_many(range(1, 2 * per_writer + 1)).values()]
    assert collectors.count("t0") == collectors.count("t1") == per_writer


_WRITER = """
import sys
from elasticsearch import Elasticsearch
from evidence.chain import Chain, Record
from evidence.settings import EvidenceSettings
settings = EvidenceSettings()
chain = Chain(Elasticsearch(str(settings.es_url)), settings)
for i in range(int(sys.argv[2])):
    chain.append(Record("post", f"tg:200:{i}", "new", collector=sys.argv[1]))
"""


def test_concurrent_processes_make_one_linear_chain(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = Chain(es, ev)
    chain.ensure_indices()
    env = {**os.environ, "DOZOR_INDEX_PREFIX": ev.index_prefix}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, f"p{n}", "20"], env=env, stderr=subprocess.PIPE)
        for n in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    _assert_linear(chain, 40)


def test_verify_names_a_changed_a_missing_and_a_relinked_entry(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = Chain(es, ev)
    for i in range(1, 7):
        chain.append(_record(i))
    index = chain.index
    changed = {**es.get(index=index, id=doc_id(2))["_source"], "post_id": "tg:100:999"}
    es.index(index=index, id=doc_id(2), document=changed)
    es.delete(index=index, id=doc_id(4))
    # A careful forger recomputes the changed entry's hash: its successor's link gives it away.
    forged = {**es.get(index=index, id=doc_id(5))["_source"], "raw_sha256": SHA_B}
    forged["entry_hash"] = compute_hash(forged)
    es.index(index=index, id=doc_id(5), document=forged)
    problems = chain.verify().problems
    assert problems == [
        "seq 2: entry_hash does not match the entry's content",
        "seq 4: missing",
        "seq 6: prev_hash is not the entry_hash of seq 5",
    ]


def test_the_stage_appends_each_version_and_file_once_under_redelivery(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = Chain(es, ev, clock=lambda: datetime(2026, 1, 5, 10, tzinfo=UTC))
    stage = EvidenceStage(chain)
    channel = {"id": 100, "username": "chan"}
    posts = [
        {"event": "new", "channel": channel, "message_id": 1, "date": "2026-01-05T09:00:00Z", "raw_sha256": SHA_A,
         "collector": "telethon:desk", "collected_at": "2026-01-05T09:00:05Z"},
        {"event": "edit", "channel": channel, "message_id": 1, "edit_date": "2026-01-05T09:30:00Z",
         "raw_sha256": SHA_B, "collected_at": "2026-01-05T09:30:05Z"},
        {"event": "delete", "channel": channel, "message_id": 1},
        "not json",
        {"event": "new", "channel": channel, "message_id": 2, "raw_sha256": "NOT-A-HASH"},
    ]  # fmt: skip
    files = [
        {"schema": 1, "channel": channel, "message_id": 1, "collected_at": "2026-01-05T09:01:00Z",
         "item": {"sha256": "c" * 64, "type": "video", "status": "stored", "thumb_sha256": "d" * 64}},
        {"schema": 1, "channel": channel, "message_id": 1, "item": {"sha256": None, "type": "video",
         "status": "skipped", "reason": "over the cap"}},
        {"schema": 1, "channel": channel, "message_id": 3, "item": {"sha256": "E" * 64, "type": "photo",
         "status": "stored"}},
    ]  # fmt: skip
    rejected = run_in_memory(stage, posts).rejected + run_in_memory(stage, files, topic="posts.media").rejected
    # Each topic's model decides: the bad hashes are refused by the posts.raw and posts.media models themselves.
    assert [r.reason.split(":")[0] for r in rejected] == [
        "JSONDecodeError",
        "invalid posts.raw record",
        "invalid posts.media record",
    ]
    entries = chain.for_post("tg:100:1")
    assert [(e["kind"], e["version"], e["raw_sha256"], e["media_sha256"]) for e in entries] == [
        ("post", "new", SHA_A, []),
        ("post", "2026-01-05T09:30:00Z", SHA_B, []),
        ("post", "delete", None, []),
        ("media", None, None, ["c" * 64]),
        ("media", None, None, ["d" * 64]),
    ]
    assert entries[0]["collector"] == "telethon:desk"
    assert entries[0]["collected_at"] == "2026-01-05T09:00:05Z"
    assert stage.appended == 5
    # The whole batch again (a redelivery after a crash), from a fresh stage: nothing new.
    again = EvidenceStage(Chain(es, ev))
    run_in_memory(again, posts)
    run_in_memory(again, files, topic="posts.media")
    assert (again.appended, again.repeated) == (0, 5)
    assert len(chain.for_post("tg:100:1")) == 5


def test_the_command_drains_both_topics_into_the_log(ev: EvidenceSettings, es: Elasticsearch) -> None:
    from dozor import kafka as dk
    from dozor.stream import StageRunner

    settings = ev
    channel = {"id": 300, "username": "chan"}
    dk.ensure_topics(settings, [dk.RAW, dk.MEDIA, dk.DLQ], partitions=2)
    producer = dk.producer(settings)
    for topic, value in (
        (dk.RAW, {"event": "new", "channel": channel, "message_id": 1, "raw_sha256": SHA_A}),
        (dk.RAW, {"event": "new", "channel": {"id": "not a number"}, "message_id": 2}),
        (dk.MEDIA, {"channel": channel, "message_id": 1, "item": {"sha256": SHA_B, "type": "photo", "status": "stored",
                                                                      "thumb_sha256": "c" * 64}}),
    ):  # fmt: skip
        producer.send(settings.topic(topic), value=json.dumps(value).encode(), key=b"300")
    producer.flush()
    producer.close()
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ev.topic_prefix, "DOZOR_INDEX_PREFIX": ev.index_prefix}
    run = [str(Path(sys.executable).with_name("dozor")), "evidence", "run", "--drain"]
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "evidence: 3 consumed, 3 entries appended, 0 already in the log, 1 to DLQ" in done.stderr
    chain = Chain(es, ev)
    entries = chain.for_post("tg:300:1")  # the two topics drain one after the other
    assert sorted((e["kind"], e["raw_sha256"] or "", e["media_sha256"]) for e in entries) == [
        ("media", "", [SHA_B]),
        ("media", "", ["c" * 64]),
        ("post", SHA_A, []),
    ]
    dlq = dk.read_all(settings, dk.DLQ)
    assert [dict(r.headers)["dozor.stage"] for r in dlq] == [b"evidence"]
    # Offsets lost (another group): every record arrives again, and nothing is appended twice.
    replay = StageRunner("evidence", settings, dk.RAW, EvidenceStage(Chain(es, ev)), group_id="replay")
    replay.drain()
    assert replay.stats.consumed == 2 and chain.verify().checked == 3

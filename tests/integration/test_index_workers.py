"""`dozor index --workers 2` against the real broker and Elasticsearch: two processes in one consumer group
index every record exactly once, as a service (stopped by SIGTERM, cleanly) and as a drain (each its
partitions)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from dozor.settings import DozorSettings
from search import index as ix
from search.settings import SearchSettings
from tests.support.consumer_groups import committed_all, end_offsets, wait_stable
from tests.support.stack import enriched, produce

pytestmark = pytest.mark.integration

DOZOR = Path(sys.executable).with_name("dozor")
N = 120
CHANNELS = 12  # keys over all 3 partitions of the test's topic


def records(first_id: int) -> list[dict[str, object]]:
    return [
        enriched(991000 + i % CHANNELS, i, f"Мигрантам продлили патенты, сообщение {i}", "ru")
        for i in range(first_id, first_id + N)
    ]


def partitions_used(settings: SearchSettings) -> int:
    return sum(1 for end in end_offsets(settings, "index", dk.ENRICHED).values() if end > 0)


def stored_ids(es: Elasticsearch, settings: SearchSettings) -> list[str]:
    es.indices.refresh(index=ix.posts_alias(settings), ignore_unavailable=True, allow_no_indices=True)
    resp = es.search(
        index=ix.posts_alias(settings), size=10 * N, source=False, ignore_unavailable=True, allow_no_indices=True
    )
    return [h["_id"] for h in resp["hits"]["hits"]]


def expected_ids(first_id: int) -> list[str]:
    return sorted(f"tg:{991000 + i % CHANNELS}:{i}" for i in range(first_id, first_id + N))


def test_two_workers_index_each_record_once_and_stop_cleanly(
    env_settings: DozorSettings, ss: SearchSettings, es: Elasticsearch
) -> None:
    produce(ss, dk.ENRICHED, [])  # the topic, with its 3 partitions, before the group forms
    proc = subprocess.Popen(
        [str(DOZOR), "index", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert wait_stable(ss, "index", 2) == ("Stable", 2), "two workers in the group"
        produce(ss, dk.ENRICHED, records(1))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(stored_ids(es, ss)) < N:
            time.sleep(0.5)
        # A commit refused by a rebalance is made good by the re-read batch's commit: wait for it.
        while time.monotonic() < deadline + 60 and not committed_all(ss, "index", dk.ENRICHED):
            time.sleep(0.5)
        time.sleep(2)  # a second write of a record would come right behind
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert partitions_used(ss) == 3
    # Every record consumed and written once per read; read twice only after a commit a rebalance refused
    # (at-least-once: the batch goes to the member that owns its partition then).
    done = re.search(r"index: (\d+) records, (\d+) writes, 0 to DLQ", stderr)
    assert done is not None, stderr
    read, written = int(done[1]), int(done[2])
    rebalanced = "commit failed after a rebalance" in stderr
    assert (read, written) == (N, N) or (rebalanced and read > N and written >= N), stderr
    assert "Traceback" not in stderr
    assert sorted(stored_ids(es, ss)) == expected_ids(1)
    assert committed_all(ss, "index", dk.ENRICHED)


def test_drain_with_two_workers_splits_the_partitions(
    env_settings: DozorSettings, ss: SearchSettings, es: Elasticsearch
) -> None:
    produce(ss, dk.ENRICHED, records(1000))
    assert partitions_used(ss) == 3
    proc = subprocess.run(
        [str(DOZOR), "index", "--drain", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DOZOR_DEBUG": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"index: {N} records, {N} writes, 0 to DLQ" in proc.stderr
    assert sorted(stored_ids(es, ss)) == expected_ids(1000)
    assert committed_all(ss, "index", dk.ENRICHED)
    again = subprocess.run(
        [str(DOZOR), "index", "--drain", "--workers", "2"], capture_output=True, text=True, timeout=180
    )
    assert again.returncode == 0 and "index: 0 records, 0 writes" in again.stderr


def test_the_stage_makes_its_topics_before_its_group_forms(env_settings: DozorSettings, ss: SearchSettings) -> None:
    # Left to the broker, the first member's subscription auto-created the media topics (3 partitions on the
    # local broker, 1 on a stock one) after the group had formed, and every member joined again.
    proc = subprocess.run([str(DOZOR), "index", "--drain"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    names = [ss.topic(t) for t in (dk.ENRICHED, dk.MEDIA, "posts.media.ocr", dk.DLQ)]
    client = dk.admin(ss)
    try:
        found = {t["name"]: len(t["partitions"]) for t in client.describe_topics(names)}
    finally:
        client.close()
    assert found == dict.fromkeys(names, 6)

"""`dozor enrich --workers 2` against the real broker: two processes in one consumer group enrich every
record exactly once, as a service (stopped by SIGTERM, cleanly) and as a drain (each its partitions)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from dozor import kafka as dk
from dozor.settings import DozorSettings
from tests.integration.test_enrich_stage import raw_post, read_all
from tests.support.consumer_groups import committed_all, wait_stable

pytestmark = pytest.mark.integration

DOZOR = Path(sys.executable).with_name("dozor")
N = 120
SHARE_LINE = re.compile(r"drain: worker (\d+) takes partitions ([\d, ]+) \((\d+) records\)")


def produce_keyed(settings: DozorSettings, first_id: int) -> list[int]:
    """N posts over 12 channel ids (so over all 6 partitions); their message ids."""
    dk.ensure_topics(settings, [dk.RAW])
    producer = dk.producer(settings)
    ids = list(range(first_id, first_id + N))
    try:
        for i in ids:
            post = raw_post(f"Мигрантам из Узбекистана продлили патенты, сообщение {i}", i)
            post["channel"]["id"] = 990900 + i % 12
            producer.send(settings.topic(dk.RAW), value=json.dumps(post).encode(), key=str(990900 + i % 12).encode())
        producer.flush()
    finally:
        producer.close()
    return ids


def test_two_workers_enrich_each_record_once_and_stop_cleanly(env_settings: DozorSettings) -> None:
    dk.ensure_topics(env_settings, [dk.RAW])
    proc = subprocess.Popen(
        [str(DOZOR), "enrich", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert wait_stable(env_settings, "enrich", 2) == ("Stable", 2), "two workers in the group"
        ids = produce_keyed(env_settings, 1)
        enriched = read_all(env_settings, dk.ENRICHED, N, timeout=90)
        time.sleep(2)  # a duplicate would come right behind
        enriched = read_all(env_settings, dk.ENRICHED, N + 1, timeout=3)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert f"enrich: {N} consumed, {N} produced, 0 to DLQ" in stderr
    assert "Traceback" not in stderr
    counts = Counter(json.loads(r.value)["message_id"] for r in enriched)
    assert counts == Counter(ids), "every record enriched exactly once"
    assert committed_all(env_settings, "enrich", dk.RAW)


def test_drain_with_two_workers_splits_the_partitions(env_settings: DozorSettings) -> None:
    ids = produce_keyed(env_settings, 1000)
    proc = subprocess.run(
        [str(DOZOR), "enrich", "--drain", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DOZOR_DEBUG": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"enrich: {N} consumed, {N} produced, 0 to DLQ" in proc.stderr
    # The parent shares the partitions out by backlog (dozor/drain_shares.py): each number to one worker.
    shares = {int(w): (p.split(", "), int(r)) for w, p, r in SHARE_LINE.findall(proc.stderr)}
    assert sorted(shares) == [0, 1], proc.stderr
    assert sorted(n for numbers, _ in shares.values() for n in numbers) == [str(n) for n in range(6)]
    assert sum(records for _, records in shares.values()) == N
    enriched = read_all(env_settings, dk.ENRICHED, N + 1, timeout=10)
    assert Counter(json.loads(r.value)["message_id"] for r in enriched) == Counter(ids)
    assert committed_all(env_settings, "enrich", dk.RAW)
    again = subprocess.run(
        [str(DOZOR), "enrich", "--drain", "--workers", "2"], capture_output=True, text=True, timeout=180
    )
    assert again.returncode == 0 and "enrich: 0 consumed" in again.stderr


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_workers_stop_when_their_parent_is_killed(env_settings: DozorSettings) -> None:
    """SIGKILL passes nothing on: without their watch, the workers would keep consuming as orphans beside
    the service restarted in their place."""
    dk.ensure_topics(env_settings, [dk.RAW])
    proc = subprocess.Popen(
        [str(DOZOR), "enrich", "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_stable(env_settings, "enrich", 2)
    workers = {p for p in _children(proc.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()}
    assert len(workers) == 2, "two worker processes under the command"
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.5)
    assert not any(_alive(p) for p in workers), "the workers outlived their killed parent"

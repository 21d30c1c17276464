"""Peak memory (RSS) of the enricher while it processes, and of the collector following 1,000 channels,
against their targets, in one run.

    .venv/bin/python bench/bench_memory.py [--posts 20000] [--channels 1000] [--per-channel 5]

- enricher: ``dozor enrich --drain --workers 1`` (one process: the figure is per worker) over ``--posts``
  distinct generated posts (tests/support/distinct_corpus.py) in a fresh topic, stories on as by
  default; its peak RSS (the kernel's VmHWM) read while it runs. Target <= 300 MB.
- collector: the real :class:`ingest.collector.Collector` in a child process, driven by the project's
  fake Telegram client (tests/support/fakeclient.py, Telethon's real types) over ``--channels``
  channels of ``--per-channel`` distinct posts each, backfilling them into Kafka and then following
  them live for a few seconds. The fake client's messages live in the same process; their share is
  measured before the collector starts and printed apart. Target <= 250 MB.
Topics and indices live under a unique bench prefix, deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor import es as dozor_es  # noqa: E402
from dozor import kafka as dk  # noqa: E402
from dozor.settings import DozorSettings  # noqa: E402
from tests.support.distinct_corpus import generated  # noqa: E402
from tests.support.stack import drop_indices  # noqa: E402

DOZOR = Path(sys.executable).with_name("dozor")
TARGETS_MB = {"enricher": 300.0, "collector": 250.0}


def peak_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def watched(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command; its peak RSS (MB) and its output."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak, out = 0.0, list[str]()

    def read() -> None:
        assert proc.stdout is not None
        out.extend(proc.stdout)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, peak_mb(proc.pid))
        time.sleep(0.05)
    reader.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {''.join(out)[-800:]}")
    return peak, "".join(out)


def enricher(posts: int, settings: DozorSettings) -> float:
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ])
    producer = dk.producer(settings)
    try:
        for record in generated(posts, seed=random.randrange(1 << 30)):
            key = str(record["channel"]["id"]).encode()
            producer.send(settings.topic(dk.RAW), value=json.dumps(record).encode(), key=key)
        producer.flush()
    finally:
        producer.close()
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": settings.topic_prefix, "DOZOR_INDEX_PREFIX": settings.index_prefix}
    peak, out = watched([str(DOZOR), "enrich", "--drain", "--workers", "1"], env)
    print(f"  enricher: {out.strip().splitlines()[-1]}")
    return peak


def collector_child(channels: int, per_channel: int, prefix: str) -> None:
    """In the child: build the fake Telegram, report its memory, run the collector, report the peak."""
    from ingest.checkpoints import CheckpointStore
    from ingest.collector import Account, Collector
    from ingest.producer import RawSink, prepare_topics
    from ingest.registry import ChannelEntry, Registry
    from ingest.settings import IngestSettings
    from tests.support.fakeclient import FakeTelegram

    records = generated(channels * per_channel, seed=random.randrange(1 << 30))
    now = datetime.now(UTC)
    for i, record in enumerate(records):
        n = i % channels
        record["channel"] = {**record["channel"], "id": 8_000_000 + n, "username": f"mem_bench_{n}"}
        record["message_id"] = i // channels + 1
        record["date"] = (now - timedelta(seconds=len(records) - i)).isoformat()  # recent: inside the backfill
    fake = FakeTelegram.from_records(records)
    del records
    registry = Registry(
        channels=[ChannelEntry(channel=f"@mem_bench_{n}", category="media", media="none") for n in range(channels)]
    )
    settings = IngestSettings(topic_prefix=prefix, raw_partitions=6)
    fake_mb = peak_mb(os.getpid())
    prepare_topics(settings)
    sink = RawSink(settings, stage="ingest.collect")
    collector = Collector(settings, registry, [Account("bench", fake)], sink, CheckpointStore(settings, sink))

    async def run() -> None:
        task = asyncio.create_task(collector.run(live=True))
        while not collector._by_id and not task.done():
            await asyncio.sleep(0.2)
        await asyncio.sleep(5.0)  # following 1,000 channels live
        collector.stop()
        await task

    try:
        asyncio.run(run())
    finally:
        sink.close()
    print(json.dumps({"fake_mb": fake_mb, "peak_mb": peak_mb(os.getpid()), "summary": collector.stats.summary()}))


def collector(channels: int, per_channel: int, prefix: str) -> tuple[float, float, str]:
    args = [sys.executable, __file__, "--collector-child", str(channels), str(per_channel), prefix]
    _, out = watched(args, {**os.environ, "DOZOR_DEBUG": "0"})
    report = json.loads(out.strip().splitlines()[-1])
    return float(report["peak_mb"]), float(report["fake_mb"]), str(report["summary"])


def main() -> int:
    if sys.argv[1:2] == ["--collector-child"]:
        collector_child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--per-channel", type=int, default=5)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    settings = DozorSettings(topic_prefix=f"bench-mem-{run}-", index_prefix=f"bench-mem-{run}")
    try:
        enrich_mb = enricher(args.posts, settings)
        collect_mb, fake_mb, summary = collector(args.channels, args.per_channel, settings.topic_prefix)
    finally:
        es = dozor_es.client(settings)
        drop_indices(es, settings)
        es.close()
        dk.delete_prefixed_topics(settings)
    print(f"peak RSS, MB (target)   [{args.posts} distinct posts; {args.channels} channels x {args.per_channel} posts]")
    print(f"  enricher (1 worker)     {enrich_mb:7.0f}  ({TARGETS_MB['enricher']:.0f})")
    print(
        f"  collector               {collect_mb:7.0f}  ({TARGETS_MB['collector']:.0f})   of which the fake Telegram's "
        f"messages and the imports before the collector started: {fake_mb:.0f}"
    )
    print(f"  collector: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

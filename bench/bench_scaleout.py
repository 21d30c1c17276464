"""Throughput of each stage with one and with two processes in its consumer group, side by side in one run.
Loopback only (the local stack), on fresh topic/index prefixes, bounded (each stage gives up after
``--limit`` seconds).

For each of 1 and 2 processes per stage: N posts (distinct texts, tests/chaos/workload.py) are written to
posts.raw; then `dozor enrich` processes work through them (timed until posts.enriched holds N), then
`dozor index` processes (until the posts index counts N), then `dozor alert` processes (until the webhook
receiver has every alert of a rule that one post in five matches). Each rate is measured from the first
output to the last, so process start-up and the group's first join are left out.

On a 2-core machine shared with Kafka and Elasticsearch, a second process can gain only what idle CPU is
left: the ratio tells how much of a stage's time is its own CPU (which a second core would parallelize)
and how much is waiting on Kafka or Elasticsearch. Two alerters do not split work by partition: both
evaluate every new post and the create-only claim decides which one sends.

    .venv/bin/python bench/bench_scaleout.py [--posts 6000] [--limit 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from kafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from alerts.receiver import WebhookReceiver
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from tests.chaos.check import count_posts
from tests.chaos.run import Publisher
from tests.chaos.workload import RULE, TRIGGER, generate
from tests.support.stack import drop_indices

DOZOR = str(Path(sys.executable).with_name("dozor"))


def enriched_count(settings: DozorSettings) -> int:
    consumer = dk.consumer(settings, None)
    try:
        name = settings.topic(dk.ENRICHED)
        tps = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or []]
        return sum(consumer.end_offsets(tps).values()) if tps else 0
    finally:
        consumer.close()


def indexed_count(es: Elasticsearch, prefix: str) -> int:
    try:
        return count_posts(es, prefix)
    except (ApiError, TransportError):  # a new monthly index whose shard is not started yet
        return 0


def timed(procs: int, args: list[str], env: dict[str, str], done: Callable[[], int], want: int,
          limit_s: float) -> float | None:  # fmt: skip
    """Start ``procs`` processes; records/s from the first output to ``want`` outputs (None: gave up)."""
    running = [
        subprocess.Popen([DOZOR, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(procs)
    ]
    try:
        deadline = time.monotonic() + limit_s
        first: tuple[float, int] | None = None
        while time.monotonic() < deadline:
            n = done()
            now = time.monotonic()
            if n and first is None:
                first = (now, n)
            if n >= want and first is not None:
                return (n - first[1]) / max(now - first[0], 1e-3)
            time.sleep(0.25)
        return None
    finally:
        for proc in running:
            proc.terminate()
        for proc in running:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def one_setting(procs: int, posts: int, limit_s: float) -> dict[str, float | None]:
    prefix = f"benchscale{uuid.uuid4().hex[:6]}"
    settings = DozorSettings(topic_prefix=f"{prefix}-", index_prefix=prefix)
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": f"{prefix}-", "DOZOR_INDEX_PREFIX": prefix}
    work = generate(posts, 0, 0, trigger_every=5)
    es = des.client(settings)
    work_dir = Path(f"/tmp/dozor-bench-scaleout-{prefix}")
    work_dir.mkdir()
    out: dict[str, float | None] = {}
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ, dk.ALERTS])
    try:
        with WebhookReceiver() as hook:
            rules = work_dir / "rules.yaml"
            rules.write_text(f'rules:\n  - name: {RULE}\n    query: "{TRIGGER}"\n    notify:\n'
                             f'      - webhook: {{url: "{hook.url}"}}\n', encoding="utf-8")  # fmt: skip
            subprocess.run([DOZOR, "alert", "--rules", str(rules), "--drain"], env=env, check=True, capture_output=True)
            publisher = Publisher(settings)
            publisher.send(work.events)
            publisher.close()
            out["enrich"] = timed(
                procs, ["enrich", "--workers", "1"], env, lambda: enriched_count(settings), posts, limit_s
            )
            out["index"] = timed(
                procs, ["index", "--workers", "1"], env, lambda: indexed_count(es, prefix), posts, limit_s
            )
            alerts = len(work.alerts)
            out["alert"] = timed(procs, ["alert", "--rules", str(rules)], env,
                                 lambda: len({r.alert_id for r in hook.received}), alerts, limit_s)  # fmt: skip
    finally:
        drop_indices(es, settings)
        dk.delete_prefixed_topics(settings)
        shutil.rmtree(work_dir, ignore_errors=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=6000)
    parser.add_argument("--limit", type=float, default=300, help="seconds a stage may take before giving up")
    args = parser.parse_args()
    results = {procs: one_setting(procs, args.posts, args.limit) for procs in (1, 2)}

    def rate(value: float | None) -> str:
        return f"{value:,.0f}/s" if value else "gave up"

    print(f"\n{args.posts} posts, one in five alerting; per second from first output to last ({os.cpu_count()} cores)")
    print(f"{'stage':<8} {'1 process':>12} {'2 processes':>12} {'ratio':>7}")
    for stage in ("enrich", "index", "alert"):
        one, two = results[1][stage], results[2][stage]
        ratio = f"{two / one:.2f}" if one and two else "-"
        print(f"{stage:<8} {rate(one):>12} {rate(two):>12} {ratio:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

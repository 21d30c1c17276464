"""A backfill end to end: fresh distinct posts imported, enriched and indexed, one step after the other,
through the real Kafka and Elasticsearch of the local stack.

    .venv/bin/python bench/bench_backfill.py [--posts 30000] [--workers N]

The posts: distinct generated posts.raw records (tests/support/distinct_corpus.py, a fresh seed per run),
written to a JSONL file (not timed). Each step is the command a person runs for a backfill, timed wall
clock from start to exit (start-up included, as in a real backfill):
1. ``dozor import FILE``                      -> posts.raw
2. ``dozor enrich --drain --workers N``       -> posts.enriched (stories on as by default; --no-stories)
3. ``dozor index --drain --workers N``        -> Elasticsearch (searchable when it returns)
Prints posts/s per step and end to end (the posts over the three steps' summed time; target >= 2,000
posts/s on 2 vCPUs while Elasticsearch shares them), and checks that every post is searchable.
Topics and indices live under a unique bench prefix, deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor import es as dozor_es  # noqa: E402
from dozor import kafka as dk  # noqa: E402
from dozor.workers import default_workers  # noqa: E402
from search import index as ix  # noqa: E402
from search.settings import SearchSettings  # noqa: E402
from tests.support.distinct_corpus import generated  # noqa: E402
from tests.support.stack import drop_indices  # noqa: E402

DOZOR = Path(sys.executable).with_name("dozor")
TARGET = 2000.0


def step(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of one `dozor` command and its summary (the last line it printed)."""
    start = time.monotonic()
    proc = subprocess.run([str(DOZOR), *args], env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"dozor {' '.join(args)} failed: {proc.stderr.strip()[-800:]}")
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    return wall, lines[-1] if lines else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--no-stories", action="store_true", help="DOZOR_ENRICH_STORIES=false (stories need ES)")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    settings = SearchSettings(topic_prefix=f"bench-bf-{run}-", index_prefix=f"bench-bf-{run}")
    env = {
        **os.environ,
        "DOZOR_TOPIC_PREFIX": settings.topic_prefix,
        "DOZOR_INDEX_PREFIX": settings.index_prefix,
        "DOZOR_DEBUG": "0",
        **({"DOZOR_ENRICH_STORIES": "false"} if args.no_stories else {}),
    }
    records = generated(args.posts, seed=random.randrange(1 << 30))
    stories = "off" if args.no_stories else "on"
    print(f"{args.posts} distinct posts, {args.workers} workers per stage, stories {stories}", flush=True)
    times: dict[str, float] = {}
    es = dozor_es.client(settings)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "backfill.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
            steps = {
                "import": ["import", str(path)],
                "enrich": ["enrich", "--drain", "--workers", str(args.workers)],
                "index": ["index", "--drain", "--workers", str(args.workers)],
            }
            for name, command in steps.items():
                times[name], summary = step(command, env)
                print(f"  {name:<7} {times[name]:7.1f} s  {args.posts / times[name]:8,.0f} posts/s   ({summary})")
        count = es.count(index=ix.posts_alias(settings))["count"]
    finally:
        drop_indices(es, settings)
        es.close()
        dk.delete_prefixed_topics(settings)
    total = sum(times.values())
    rate = args.posts / total
    print(f"end to end: {total:.1f} s, {rate:,.0f} posts/s (target >= {TARGET:,.0f}: {rate / TARGET:.2f} of it)")
    print(f"searchable after the backfill: {count} of {args.posts} posts")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared)")
    return 0 if count == args.posts else 1


if __name__ == "__main__":
    raise SystemExit(main())

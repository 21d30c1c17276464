"""The enrich stage through Kafka against the same enrichment offline, and 1 against N workers, in one run.

    .venv/bin/python bench/bench_enrich_workers.py [--posts 6000] [--workers N] [--rounds 1]

The posts: distinct generated posts.raw records over 12 channels (tests/support/distinct_corpus.py), the
same for every measurement. Measured, each as the command a person runs:
- offline: ``dozor enrich --input F --output /dev/null`` (the enrichment alone, JSONL in and out);
- Kafka, 1 worker: ``dozor enrich --drain --workers 1`` over the posts in a fresh topic (decode, validate,
  enrich, encode, produce, commit);
- Kafka, N workers: ``dozor enrich --drain --workers N`` over a second fresh copy.
Each Kafka run has a fresh story index as well (offline, stories are kept in memory, so each starts empty too):
in a shared one, a second run over the same posts would find every band claimed already.
Each command's start-up (imports, taxonomy; the same command over no input) is measured too and taken
off, so the rates compare the work per post. CPU seconds are the commands' own (their children's
rusage): the Kafka broker's share is not counted, other agents' load on the shared machine is not either.
Wall-clock rates show what N workers buy; CPU rates show the Kafka path's overhead (target: Kafka >= 0.8
of offline, per CPU second). ``--rounds R`` runs every command R times, a round at a time, and prints each
round's ratio and their median (one tree's ratio moves by ±0.15 from run to run on the shared machine).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
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
from dozor import topics  # noqa: E402
from dozor.settings import DozorSettings  # noqa: E402
from dozor.workers import default_workers  # noqa: E402
from enrich.stories.es_store import keys_index  # noqa: E402
from tests.support.distinct_corpus import generated  # noqa: E402

DOZOR = Path(sys.executable).with_name("dozor")


def timed(args: list[str], prefix: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `dozor` command (CPU: the command and its worker processes)."""
    # Its own story index too: posts a run before claimed would all be found taken, and cost more.
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": prefix, "DOZOR_INDEX_PREFIX": prefix.rstrip("-")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run([str(DOZOR), *args], env=env, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"dozor {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def produce(prefix: str, records: list[dict[str, object]]) -> None:
    settings = DozorSettings(topic_prefix=prefix)
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ])
    producer = dk.producer(settings)
    try:
        for record in records:
            key = str(record["channel"]["id"]).encode()  # type: ignore[index]
            # UTF-8 JSON as the collector writes it (ingest/producer.py), not ASCII escapes
            producer.send(settings.topic(dk.RAW), value=topics.dumps(record), key=key)
        producer.flush()
    finally:
        producer.close()


def _round(
    records: list[dict[str, object]], corpus: Path, empty: Path, n_workers: int
) -> dict[str, tuple[float, float]]:
    """One round: every command once, each Kafka run over its own fresh copy of the posts."""
    run = uuid.uuid4().hex[:8]
    prefixes = [f"bench-{run}-{name}-" for name in ("empty", "one", "many")]
    try:
        offline = ["enrich", "--input", str(corpus), "--output", os.devnull]
        measured = {
            "start offline": timed(["enrich", "--input", str(empty), "--output", os.devnull], prefixes[0]),
            "offline": timed(offline, prefixes[0]),
            "start one": timed(["enrich", "--drain", "--workers", "1"], prefixes[0]),
            "start many": timed(["enrich", "--drain", "--workers", str(n_workers)], prefixes[0]),
        }
        produce(prefixes[1], records)
        produce(prefixes[2], records)
        measured["one"] = timed(["enrich", "--drain", "--workers", "1"], prefixes[1])
        measured["many"] = timed(["enrich", "--drain", "--workers", str(n_workers)], prefixes[2])
        return measured
    finally:
        for prefix in prefixes:
            settings = DozorSettings(topic_prefix=prefix, index_prefix=prefix.rstrip("-"))
            dk.delete_prefixed_topics(settings)
            es = dozor_es.client(settings)
            es.options(ignore_status=404).indices.delete(index=keys_index(settings))
            es.close()


def main(argv: list[str]) -> int:
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    n_posts, n_workers = int(opts.get("--posts", 6000)), int(opts.get("--workers", max(default_workers(), 2)))
    n_rounds = int(opts.get("--rounds", 1))
    records = generated(n_posts, seed=29)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, empty = Path(tmp) / "posts.jsonl", Path(tmp) / "empty.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        empty.write_text("", encoding="utf-8")
        # Each round runs every command once, so the machine's changes of speed reach offline and Kafka alike.
        rounds = [_round(records, corpus, empty, n_workers) for _ in range(n_rounds)]

    def rates(measured: tuple[float, float], startup: tuple[float, float]) -> tuple[float, float]:
        wall, cpu = (max(m - s, 1e-6) for m, s in zip(measured, startup, strict=True))
        return n_posts / wall, n_posts / cpu

    rows = [
        ("offline: enrich --input", "offline", "start offline"),
        ("Kafka: enrich --drain --workers 1", "one", "start one"),
        (f"Kafka: enrich --drain --workers {n_workers}", "many", "start many"),
    ]
    print(f"{n_posts} distinct posts over 12 channels (6 partitions); start-up taken off each (shown apart)")
    print("the machine is shared and loaded: compare the ratios, measured side by side in each round")
    ratios: list[float] = []
    for number, measured in enumerate(rounds, start=1):
        print(f"round {number} of {n_rounds}")
        print(
            f"{'command':<40}{'posts/s wall':>14}{'posts/CPU s':>13}{'x offline CPU':>15}{'x 1 worker':>12}{'start':>8}"
        )
        base_cpu = rates(measured["offline"], measured["start offline"])[1]
        one_wall, one_cpu = rates(measured["one"], measured["start one"])
        ratios.append(one_cpu / base_cpu)
        for name, key, start in rows:
            wall_rate, cpu_rate = rates(measured[key], measured[start])
            print(
                f"{name:<40}{wall_rate:>14.0f}{cpu_rate:>13.0f}{cpu_rate / base_cpu:>15.2f}"
                f"{wall_rate / one_wall:>12.2f}{measured[start][0]:>7.1f}s"
            )
    listed = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"Kafka (1 worker) / offline per CPU second, by round: {listed}; median {statistics.median(ratios):.2f}")
    print("target: Kafka (1 worker) >= 0.8 x offline per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

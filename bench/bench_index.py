"""Indexer throughput against its ceiling, side by side in one run.

1. N enriched posts (the sample corpus run through the enricher, cycled with fresh ids and dates) are
   written to a fresh posts.enriched topic (not timed).
2. ceiling: the same documents bulk-loaded straight into Elasticsearch (one Python thread, the
   client's streaming_bulk, same template) — docs/s.
3. indexer: `dozor index --drain` in-process over the topic, default settings (Kafka consume,
   validation, event-order decisions: fresh posts are create-only writes after one search for posts
   stored outside their month; bulk; commit) — docs/s.
Prints both and their ratio (target >= 0.6). Rounds alternate to even out a shared machine's noise;
the best round of each is reported, and the ratio of every round with their median. Also printed:
this process's CPU time per document on each side (on a 2-vCPU machine Elasticsearch alone fills both
vCPUs during the raw load, so the indexer's Python time comes straight out of Elasticsearch's).

    .venv/bin/python bench/bench_index.py [--posts 30000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import helpers

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.records import EnrichedPost
from dozor.stream import StageRunner
from search import index as ix
from search.events import full_doc
from search.indexer import Indexer, client
from search.settings import SearchSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from tests.support.stack import drop_indices, produce

CPU: dict[str, list[float]] = {"raw": [], "indexer": []}  # this process's CPU time per document, µs
CORPUS = Path(__file__).resolve().parents[1] / "ingest" / "samples" / "corpus.jsonl"


def enriched_pool() -> list[dict[str, Any]]:
    from enrich.pipeline import enrich_record

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    return [enrich_record(r) for r in rows if r["event"] == "new"]


def generate(pool: list[dict[str, Any]], n: int, seed_channel: int = 5_000_000) -> list[dict[str, Any]]:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        rec = dict(pool[i % len(pool)])
        channel = dict(rec["channel"])
        channel["id"] = seed_channel + i % 200
        rec.update(
            channel=channel,
            message_id=i,
            date=(start + timedelta(minutes=7 * i % (180 * 24 * 60))).isoformat(),
            event="new",
        )
        out.append(rec)
    return out


def _month_indices(settings: SearchSettings, records: list[dict[str, Any]]) -> set[str]:
    return {ix.posts_index(settings, datetime.fromisoformat(r["date"])) for r in records}


def raw_bulk(settings: SearchSettings, records: list[dict[str, Any]]) -> float:
    """The ceiling: documents straight into their monthly indices. Returns docs/s."""
    es = client(settings)  # the same client settings as the indexer's
    ix.ensure_templates(es, settings)
    now = datetime.now(UTC)
    docs = [EnrichedPost.model_validate(r) for r in records]
    actions = [
        {"_index": ix.posts_index(settings, p.date or now), "_id": p.doc_id, "_source": full_doc(p, now)} for p in docs
    ]  # built before the clock starts: the ceiling is Elasticsearch's, not Python's
    for name in _month_indices(settings, records):
        ix.create_index(es, name)
    t0, cpu0 = time.perf_counter(), time.process_time()
    ok = sum(1 for good, _ in helpers.streaming_bulk(es, actions, chunk_size=1000, raise_on_error=True) if good)
    es.indices.refresh(index=ix.posts_alias(settings))
    elapsed = time.perf_counter() - t0
    CPU["raw"].append((time.process_time() - cpu0) / len(records) * 1e6)
    es.close()
    assert ok == len(records)
    return len(records) / elapsed


def indexer(settings: SearchSettings, records: list[dict[str, Any]]) -> float:
    """`dozor index --drain` minus its start-up (templates), as the ceiling's clock excludes them."""
    produce(settings, dk.ENRICHED, records)
    stage = Indexer(client(settings), settings)
    stage.prepare()
    for name in _month_indices(settings, records):  # as for the ceiling: creating indices is not timed
        stage.ensure_index(name)
    t0, cpu0 = time.perf_counter(), time.process_time()
    runner = StageRunner("index", settings, dk.ENRICHED, stage, max_batch=settings.index_batch)
    stats = runner.drain()
    stage.refresh()
    elapsed = time.perf_counter() - t0
    CPU["indexer"].append((time.process_time() - cpu0) / len(records) * 1e6)
    assert stats.consumed == len(records) and stats.rejected == 0, stats
    return len(records) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"enriching the sample corpus and generating {args.posts} posts ...", file=sys.stderr)
    records = generate(enriched_pool(), args.posts)
    ceiling: list[float] = []
    ours: list[float] = []
    for r in range(args.rounds):
        run = uuid.uuid4().hex[:6]
        raw_s = SearchSettings(index_prefix=f"bench-raw-{run}")
        idx_s = SearchSettings(index_prefix=f"bench-idx-{run}", topic_prefix=f"bench-{run}-")
        try:
            ceiling.append(raw_bulk(raw_s, records))
            ours.append(indexer(idx_s, records))
        finally:
            es = dozor_es.client(raw_s)
            drop_indices(es, raw_s)
            drop_indices(es, idx_s)
            es.close()
            dk.delete_prefixed_topics(idx_s)
        print(f"round {r + 1}: raw bulk {ceiling[-1]:,.0f} docs/s, indexer {ours[-1]:,.0f} docs/s", file=sys.stderr)
    best_raw, best_idx = max(ceiling), max(ours)
    per_round = sorted(i / c for i, c in zip(ours, ceiling, strict=True))
    print(f"posts: {args.posts}, rounds: {args.rounds} (best round of each)")
    print(f"raw bulk (ceiling): {best_raw:,.0f} docs/s")
    print(f"indexer (Kafka -> ES, drain): {best_idx:,.0f} docs/s")
    print(f"ratio indexer/ceiling: {best_idx / best_raw:.2f} (target >= 0.60)")
    print(f"ratio per round: {', '.join(f'{r:.2f}' for r in per_round)} (median {statistics.median(per_round):.2f})")
    print(
        f"python CPU per document: raw bulk {min(CPU['raw']):.0f} µs, indexer {min(CPU['indexer']):.0f} µs "
        f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

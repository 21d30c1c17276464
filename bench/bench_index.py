"""Indexer throughput against its ceiling, side by side in one run.

1. N distinct enriched posts (pairs of distinct generated posts run through the enricher,
   tests/support/distinct_corpus.py; fresh ids and dates) are written to a fresh posts.enriched topic
   as the enricher writes them (not timed).
2. ceiling: the same documents bulk-loaded straight into Elasticsearch (one Python thread, the
   client's streaming_bulk, same template) — docs/s.
3. indexer: `dozor index --drain` in-process over the topic, default settings (Kafka consume,
   validation, event-order decisions: fresh posts are create-only writes after one search for posts
   stored outside their month; bulk; commit) — docs/s.
Prints both and their ratio (target >= 0.8, issue 13). Rounds alternate to even out a shared machine's noise;
the best round of each is reported, and the ratio of every round with their median. Also printed:
this process's CPU time per document on each side (on a 2-vCPU machine Elasticsearch alone fills both
vCPUs during the raw load, so the indexer's Python time comes straight out of Elasticsearch's).

    .venv/bin/python bench/bench_index.py [--posts 30000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import random
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
from dozor import topics
from dozor.records import EnrichedPost
from dozor.stream import StageRunner
from search import index as ix
from search.events import full_doc
from search.indexer import Indexer, client
from search.settings import SearchSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from tests.support.distinct_corpus import generated
from tests.support.stack import drop_indices, produce

CPU: dict[str, list[float]] = {"raw": [], "indexer": []}  # this process's CPU time per document, µs


def enriched_pool(size: int = 2000) -> list[dict[str, Any]]:
    """``size`` distinct generated posts (tests/support/distinct_corpus.py), enriched."""
    from enrich.pipeline import enrich_record

    return [enrich_record(r) for r in generated(size, seed=random.randrange(1 << 30))]


def generate(pool: list[dict[str, Any]], n: int, seed_channel: int = 5_000_000) -> list[dict[str, Any]]:
    """``n`` distinct posts.enriched records: record i joins pool posts i mod P and i div P (their text,
    normalized and stemmed text concatenated, topics joined), over 200 channels and 180 days."""
    size = len(pool)
    if n > size * size:
        raise SystemExit(f"a pool of {size} makes at most {size * size} distinct posts")
    start = datetime(2026, 6, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        a, b = pool[i % size], pool[(i // size) % size]
        rec = dict(a)
        rec.update(
            channel={**a["channel"], "id": seed_channel + i % 200},
            message_id=i,
            date=(start + timedelta(minutes=7 * i % (180 * 24 * 60))).isoformat(),
            event="new",
            text=f"{a['text']}\n\n{b['text']}",
            text_norm=f"{a.get('text_norm') or ''} {b.get('text_norm') or ''}",
            text_stem=f"{a.get('text_stem') or ''} {b.get('text_stem') or ''}",
            topics=sorted({*a.get("topics", ()), *b.get("topics", ())}),
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
    produce(settings, dk.ENRICHED, records, encode=topics.dumps)  # UTF-8 JSON, as the enricher writes it
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
    print(f"enriching 2,000 distinct posts and pairing them into {args.posts} ...", file=sys.stderr)
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
    print(f"ratio indexer/ceiling: {best_idx / best_raw:.2f} (target >= 0.80)")
    print(f"ratio per round: {', '.join(f'{r:.2f}' for r in per_round)} (median {statistics.median(per_round):.2f})")
    print(
        f"python CPU per document: raw bulk {min(CPU['raw']):.0f} µs, indexer {min(CPU['indexer']):.0f} µs "
        f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Search latency of a saved search with aggregations over a generated index.

N posts (default 100,000: the sample corpus run through the enricher, cycled over 300 channels and
180 days) are bulk-loaded into a fresh index set; then a saved search is run repeatedly the way the
API and the UI run it: load it from `dozor-searches`, compile its query, one request for the first
page of hits (highlighted) plus counts by topic, language, channel and day. Prints p50/p95/max
wall-clock latency (target: p95 <= 150 ms).

    .venv/bin/python bench/bench_search.py [--posts 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import helpers

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

from bench_index import enriched_pool, generate

from dozor import es as dozor_es
from dozor.records import EnrichedPost
from search import index as ix
from search import service
from search.events import full_doc
from search.filters import SearchFilters
from search.indexer import client
from search.saved import SavedSearches, SearchSpec
from search.settings import SearchSettings
from tests.support.stack import drop_indices

QUERY = 'мобилизация OR повестка OR fuqarolik OR "migration centre" OR text:Сахарово OR мигрант*'


def load(settings: SearchSettings, posts: int) -> None:
    records = generate(enriched_pool(), posts)
    es = client(settings, request_timeout=300)
    ix.ensure_templates(es, settings)
    now = datetime.now(UTC)
    for i, rec in enumerate(records):  # spread over 300 channels, as a real watch list would be
        rec["channel"] = {**rec["channel"], "id": 7_000_000 + i % 300, "username": f"bench_channel_{i % 300}"}

    def actions() -> Iterator[dict[str, Any]]:
        for rec in records:
            post = EnrichedPost.model_validate(rec)
            yield {
                "_index": ix.posts_index(settings, post.date or now),
                "_id": post.doc_id,
                "_source": full_doc(post, now),
            }

    t0 = time.perf_counter()
    for _ in helpers.streaming_bulk(es, actions(), chunk_size=2000, raise_on_error=True):
        pass
    es.indices.refresh(index=ix.posts_alias(settings))
    print(f"loaded {posts} posts in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    es.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    settings = SearchSettings(index_prefix=f"bench-search-{uuid.uuid4().hex[:6]}")
    es = dozor_es.client(settings)
    try:
        load(settings, args.posts)
        store = SavedSearches(es, settings)
        store.create(
            "bench",
            SearchSpec(
                query=QUERY,
                filters=SearchFilters(since="2026-06-15", category=["official", "media", "migrant_community"]),
            ),
        )
        timings: list[float] = []
        took: list[float] = []
        total = 0
        for i in range(args.runs + 20):
            t0 = time.perf_counter()
            saved = store.get("bench")
            result = service.search(es, settings, saved.query, saved.filters, limit=20, with_stats=True)
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= 20:  # warm-up runs are not counted
                timings.append(elapsed)
                took.append(result.took_ms)
            total = result.total
        count = es.count(index=ix.posts_alias(settings))["count"]
        q = statistics.quantiles(timings, n=100)
        print(f"posts indexed: {count}; saved search matches {total}; {args.runs} runs")
        es_q = statistics.quantiles(took, n=100)
        print(
            f"saved search + aggregations, wall clock: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
            f"max {max(timings):.1f} ms (target p95 <= 150 ms)"
        )
        print(f"  of which Elasticsearch's `took`: p50 {es_q[49]:.0f} ms, p95 {es_q[94]:.0f} ms")
    finally:
        drop_indices(es, settings)
        es.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

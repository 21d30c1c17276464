"""Search latency of a saved search with aggregations over a generated index of distinct posts.

N posts (default 1,000,000) are bulk-loaded into a fresh index set under a bench prefix (deleted at the
end): a pool of distinct generated posts (tests/support/distinct_corpus.py) run through the enricher,
and each loaded post is a distinct pair of them (text, normalized and stemmed text concatenated, topics
joined), over 300 channels and 180 days. The load is raw bulk (orjson bodies, 2 requests in flight,
refresh off until the end): the bench is about the search, not the indexer. Then a saved search is
run repeatedly the way the API and the UI run it: load it from `dozor-searches`, compile its query,
one request for the first page of hits (highlighted) plus counts by topic, language, channel and day.
Prints p50/p95/max wall-clock latency (target, issue 13: p95 <= 100 ms on 1,000,000 posts) three ways,
side by side: cold (Elasticsearch's request cache cleared before each run: what every run cost before
searches asked for it), live (one post written to the newest month's index and refreshed before each run,
as the live indexer does: that shard is searched again, the other months answer from the cache), repeat
(nothing written between runs). With ``--merge``, the months before the newest are then merged to one
segment each, as `dozor retention apply` does (search/merge_months.py; the newest stands for the current
month), and the same three lines are measured again: before and after, side by side in one run.

    .venv/bin/python bench/bench_search.py [--posts 1000000] [--runs 200] [--pool 4000]
        [--keep | --reuse PREFIX] [--merge]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import Elasticsearch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

from dozor import es as dozor_es
from dozor.records import EnrichedPost
from search import index as ix
from search import service
from search.events import full_doc
from search.filters import SearchFilters
from search.indexer import client
from search.merge_months import merge_past_months
from search.saved import SavedSearches, SearchSpec
from search.settings import SearchSettings
from tests.support.distinct_corpus import generated
from tests.support.stack import drop_indices

QUERY = 'мобилизация OR повестка OR fuqarolik OR "migration centre" OR text:Сахарово OR мигрант*'
CHUNK = 5000
START = datetime(2026, 6, 1, tzinfo=UTC)


def pool_docs(size: int) -> list[dict[str, Any]]:
    """``size`` distinct generated posts, enriched, as indexed documents."""
    from enrich.pipeline import enrich_record

    now = datetime.now(UTC)
    records = generated(size, seed=random.randrange(1 << 30))
    return [full_doc(EnrichedPost.model_validate(enrich_record(r)), now) for r in records]


def docs(pool: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    """``n`` distinct documents: document i joins pool posts i mod P and i div P (P*P distinct pairs)."""
    size = len(pool)
    if n > size * size:
        raise SystemExit(f"--pool {size} makes at most {size * size} distinct posts")
    for i in range(n):
        a, b = pool[i % size], pool[(i // size) % size]
        channel = 7_000_000 + i % 300
        date = START + timedelta(seconds=(i * 15_551) % (180 * 86_400))  # spread over 180 days
        doc = dict(a)
        doc.update(
            id=f"tg:{channel}:{i}",
            message_id=i,
            channel={**a["channel"], "id": channel, "username": f"bench_channel_{i % 300}"},
            date=date.isoformat().replace("+00:00", "Z"),
            text=f"{a['text']}\n\n{b['text']}",
            text_norm=f"{a.get('text_norm') or ''} {b.get('text_norm') or ''}",
            text_stem=f"{a.get('text_stem') or ''} {b.get('text_stem') or ''}",
            topics=sorted({*a.get("topics", ()), *b.get("topics", ())}),
        )
        yield doc


def load(settings: SearchSettings, posts: int, pool_size: int) -> None:
    t0 = time.perf_counter()
    pool = pool_docs(pool_size)
    print(f"pool of {len(pool)} distinct enriched posts in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    es = client(settings, request_timeout=300)
    ix.ensure_templates(es, settings)
    months = {ix.posts_index(settings, START + timedelta(days=d)) for d in range(0, 181)}
    for name in months:
        ix.create_index(es, name)
    es.indices.put_settings(index=sorted(months), settings={"index": {"refresh_interval": "-1"}})

    def send(body: bytes) -> None:
        resp = es.perform_request(
            "POST", "/_bulk", params={"filter_path": "errors,items.*.error"},
            headers={"accept": "application/json", "content-type": "application/x-ndjson"}, body=body,
        )  # fmt: skip
        if resp.body.get("errors"):
            raise SystemExit(f"bulk load failed: {str(resp.body)[:500]}")

    def bodies() -> Iterator[bytes]:
        lines: list[bytes] = []
        for doc in docs(pool, posts):
            index = ix.posts_index(settings, datetime.fromisoformat(doc["date"]))
            lines.append(orjson.dumps({"create": {"_index": index, "_id": doc["id"]}}))
            lines.append(orjson.dumps(doc))
            if len(lines) >= 2 * CHUNK:
                yield b"\n".join(lines) + b"\n"
                lines = []
        if lines:
            yield b"\n".join(lines) + b"\n"

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool_ex:
        in_flight: deque[Future[None]] = deque()
        for body in bodies():  # two requests in flight; the bodies made as they go, not all at once
            if len(in_flight) >= 2:
                in_flight.popleft().result()
            in_flight.append(pool_ex.submit(send, body))
        for future in in_flight:
            future.result()
    es.indices.put_settings(index=sorted(months), settings={"index": {"refresh_interval": None}})
    es.indices.refresh(index=ix.posts_alias(settings))
    elapsed = time.perf_counter() - t0
    print(f"loaded {posts} posts in {elapsed:.1f}s ({posts / elapsed:,.0f} docs/s)", file=sys.stderr)
    settled(es, settings)
    es.close()


def settled(es: Elasticsearch, settings: SearchSettings, limit_s: float = 600.0) -> None:
    """Wait until Elasticsearch has no merge running on the posts (a load leaves some behind, and they
    would slow the first runs measured, not the later ones)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        merges = es.indices.stats(index=ix.posts_alias(settings), metric="merge")["_all"]["total"]["merges"]
        if not merges["current"]:
            break
        time.sleep(1.0)
    print(f"background merges done after {time.perf_counter() - t0:.0f}s", file=sys.stderr)


def clear_cache(es: Elasticsearch, settings: SearchSettings) -> None:
    es.indices.clear_cache(index=ix.posts_alias(settings), request=True)


def write_one(es: Elasticsearch, index: str) -> None:
    """What the live indexer does to the current month between two runs: a write, then a refresh."""
    es.index(index=index, document={"text": "", "stub": True, "deleted_at": "2026-12-01T00:00:00Z"}, refresh=True)


def runs(
    es: Elasticsearch, settings: SearchSettings, store: SavedSearches, n: int, before_each: Callable[[], None]
) -> tuple[list[float], list[float]]:
    """Wall-clock and `took` milliseconds of ``n`` runs of the saved search as the API runs it: load it,
    compile it, one request for the first page (highlighted) and the counts."""
    timings: list[float] = []
    took: list[float] = []
    for i in range(n + 10):
        before_each()
        t0 = time.perf_counter()
        saved = store.get("bench")
        result = service.search(es, settings, saved.query, saved.filters, limit=20, with_stats=True)
        elapsed = (time.perf_counter() - t0) * 1000
        if i >= 10:  # warm-up runs are not counted
            timings.append(elapsed)
            took.append(result.took_ms)
    return timings, took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pool", type=int, default=4000, help="distinct enriched posts the documents pair up")
    parser.add_argument("--keep", action="store_true", help="keep the loaded indices (their prefix is printed)")
    parser.add_argument("--reuse", metavar="PREFIX", help="search the indices a --keep run left under PREFIX")
    parser.add_argument(
        "--merge", action="store_true", help="then merge the months before the newest as retention does, and run again"
    )
    args = parser.parse_args()
    settings = SearchSettings(index_prefix=args.reuse or f"bench-search-{uuid.uuid4().hex[:6]}")
    es = dozor_es.client(settings)
    try:
        if args.reuse is None:
            load(settings, args.posts, args.pool)
        store = SavedSearches(es, settings)
        if args.reuse is not None and any(s.name == "bench" for s in store.list()):
            store.delete("bench")  # a --keep run's
        store.create(
            "bench",
            SearchSpec(
                query=QUERY,
                filters=SearchFilters(since="2026-06-15", category=["official", "media", "migrant_community"]),
            ),
        )
        saved = store.get("bench")
        total = service.search(es, settings, saved.query, saved.filters, limit=20, with_stats=True).total
        count = es.count(index=ix.posts_alias(settings))["count"]
        print(f"posts indexed: {count}; saved search matches {total}; {args.runs} runs per line (after 10 warm-up)")
        newest = max(es.indices.get_alias(index=ix.posts_alias(settings)))
        measure(es, settings, store, args.runs, newest)
        if args.merge:
            # The newest month stands for the current one: retention leaves it to Elasticsearch.
            now = datetime.strptime(newest.rsplit("-", 1)[1], "%Y.%m").replace(tzinfo=UTC)
            t0 = time.perf_counter()
            todo = merge_past_months(es, settings, now)
            segments = ", ".join(f"{index.rsplit('-', 1)[1]}: {n}" for index, n in todo) or "none"
            took = time.perf_counter() - t0
            print(
                f"past months merged to one segment as `dozor retention apply` does (segments before: {segments}) "
                f"in {took:.0f}s; the same runs again:"
            )
            measure(es, settings, store, args.runs, newest)
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared)")
    finally:
        if args.keep:
            print(f"kept the indices: --reuse {settings.index_prefix}", file=sys.stderr)
        else:
            drop_indices(es, settings)
        es.close()
    return 0


def measure(es: Elasticsearch, settings: SearchSettings, store: SavedSearches, n: int, newest: str) -> None:
    for mode, before_each in (
        ("cold: request cache cleared before each run (main's cost)", lambda: clear_cache(es, settings)),
        ("live: a post written to the newest month and refreshed before each run", lambda: write_one(es, newest)),
        ("repeat: the same saved search again, nothing written", lambda: None),
    ):
        timings, took = runs(es, settings, store, n, before_each)
        q, es_q = statistics.quantiles(timings, n=100), statistics.quantiles(took, n=100)
        print(f"{mode}")
        print(
            f"  wall clock: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {max(timings):.1f} ms "
            f"(target p95 <= 100 ms); Elasticsearch's `took`: p50 {es_q[49]:.0f} ms, p95 {es_q[94]:.0f} ms"
        )


if __name__ == "__main__":
    raise SystemExit(main())

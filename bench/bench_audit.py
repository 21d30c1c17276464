"""What the audit log costs per request: the API's /search with the audit log on (as shipped: one create
in `<prefix>-audit` per search) and off (the same app with the audit dependency replaced by one that
writes nothing), side by side in one run on the shared Elasticsearch, plus the audit write alone.

N distinct posts (tests/support/distinct_corpus.py) are bulk-loaded into a fresh index set; every request
searches for something else (a word of them, or two: no answer is served twice). The two apps run at
once under uvicorn and are measured in alternating rounds (so a slower minute of the shared machine hits
both alike): sequential requests (latency p50/p95, requests/s) and 4 clients at once (requests/s).

    .venv/bin/python bench/bench_audit.py [--posts 5000] [--requests 300] [--rounds 4]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from elasticsearch import helpers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

from dozor import es as dozor_es
from dozor.records import EnrichedPost
from search import index as ix
from search.events import full_doc
from search.settings import SearchSettings
from surfaces.app import create_app
from surfaces.audit import AuditLog, audit_log
from surfaces.users import Role, User
from tests.support.distinct_corpus import generated
from tests.support.stack import drop_indices, free_port

TOKEN = "bench-audit-token"
CLIENTS = 4


class NoAudit(AuditLog):
    """The audit log switched off: same interface, nothing written."""

    def __init__(self) -> None:
        pass

    def record(self, *args: Any, **kwargs: Any) -> str:
        return ""


def load(settings: SearchSettings, posts: int) -> list[str]:
    """The posts into the index; returns the distinct words to search for."""
    records = generated(posts)
    es = dozor_es.client(settings, request_timeout=300)
    ix.ensure_templates(es, settings)
    now = datetime.now(UTC)

    def actions() -> Iterator[dict[str, Any]]:
        for rec in records:
            post = EnrichedPost.model_validate(rec)
            yield {
                "_index": ix.posts_index(settings, post.date or now),
                "_id": post.doc_id,
                "_source": full_doc(post, now),
            }

    for _ in helpers.streaming_bulk(es, actions(), chunk_size=2000, raise_on_error=True):
        pass
    es.indices.refresh(index=ix.posts_alias(settings))
    es.close()
    words = sorted({w.lower() for rec in records for w in re.findall(r"\w{6,}", rec["text"]) if not w.isdigit()})
    return words


def queries(words: list[str], n: int) -> list[str]:
    """``n`` distinct queries: one word, then pairs of words (``a OR b``) once the single words run out."""
    rng = random.Random(7)
    out, seen = list(words[:n]), set(words[:n])
    while len(out) < n:
        query = " OR ".join(rng.sample(words, 2))
        if query not in seen:
            seen.add(query)
            out.append(query)
    rng.shuffle(out)
    return out


@contextmanager
def serve(settings: SearchSettings, audit: bool) -> Iterator[str]:
    import uvicorn

    app = create_app(settings)
    if not audit:
        app.dependency_overrides[audit_log] = NoAudit
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sequential(url: str, words: list[str]) -> tuple[list[float], float]:
    """Per-request latency (ms) and requests/s, one request after the other."""
    timings: list[float] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
        t0 = time.perf_counter()
        for word in words:
            t = time.perf_counter()
            http.get("/search", params={"q": word, "limit": 20}).raise_for_status()
            timings.append((time.perf_counter() - t) * 1000)
        return timings, len(words) / (time.perf_counter() - t0)


def concurrent(url: str, words: list[str]) -> float:
    def run(part: list[str]) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
            for word in part:
                http.get("/search", params={"q": word, "limit": 20}).raise_for_status()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(run, [words[i::CLIENTS] for i in range(CLIENTS)]))
    return len(words) / (time.perf_counter() - t0)


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300, help="per app and round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    settings = SearchSettings(index_prefix=f"bench-audit-{uuid.uuid4().hex[:6]}", api_tokens=TOKEN)
    es = dozor_es.client(settings)
    try:
        words = load(settings, args.posts)
        words = queries(words, 2 * args.rounds * args.requests * 2 + 60)
        print(f"{args.posts} distinct posts; {len(set(words))} distinct queries", file=sys.stderr)
        lat: dict[bool, list[float]] = {True: [], False: []}
        rate: dict[bool, list[float]] = {True: [], False: []}
        par: dict[bool, list[float]] = {True: [], False: []}
        chunks = iter(words[i : i + args.requests] for i in range(0, len(words), args.requests))
        with serve(settings, audit=True) as on, serve(settings, audit=False) as off:
            sequential(on, words[:30])  # warm-up: templates, the audit index, connections
            sequential(off, words[30:60])
            for r in range(args.rounds):
                for audit, url in ((True, on), (False, off)) if r % 2 == 0 else ((False, off), (True, on)):
                    timings, per_s = sequential(url, next(chunks))
                    lat[audit] += timings
                    rate[audit].append(per_s)
                    par[audit].append(concurrent(url, next(chunks)))
        log = AuditLog(es, settings, "bench")
        writes: list[float] = []
        user = User("bench", Role.analyst, ("desk",))
        for i in range(args.requests):
            t = time.perf_counter()
            log.record(user, "search", query=words[i], results=i)
            writes.append((time.perf_counter() - t) * 1000)
        es.indices.refresh(index=f"{settings.index_prefix}-audit")
        entries = es.count(index=f"{settings.index_prefix}-audit")["count"]

        print(f"/search over the API, {args.rounds} alternating rounds of {args.requests} requests per app")
        print(f"{'':22}{'audit on':>12}{'audit off':>12}{'on/off':>9}")
        for name, p in (("latency p50 (ms)", 50), ("latency p95 (ms)", 95)):
            a, b = pct(lat[True], p), pct(lat[False], p)
            print(f"{name:22}{a:12.1f}{b:12.1f}{a / b:9.2f}")
        for name, values in (("requests/s, 1 client", rate), (f"requests/s, {CLIENTS} clients", par)):
            a, b = statistics.median(values[True]), statistics.median(values[False])
            print(f"{name:22}{a:12.1f}{b:12.1f}{a / b:9.2f}")
        print(
            f"audit write alone ({len(writes)} creates): p50 {pct(writes, 50):.1f} ms, p95 {pct(writes, 95):.1f} ms; "
            f"{entries} audit entries written in all (the audit-off app wrote none)"
        )
    finally:
        drop_indices(es, settings)
        es.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Enrichment speed with and without story assignment, side by side, on one core.

    .venv/bin/python bench/bench_stories.py [CORPUS.jsonl] [--seconds 3] [--no-es]

CORPUS defaults to the sample corpus (posts.raw records). The enrich stage's path (JSON bytes in,
enriched bytes out) in batches of 500, as `dozor enrich` runs it: without stories; with stories over the
in-memory claims (`dozor enrich --input`); and with the claims in Elasticsearch (the Kafka stage), under a
throw-away index prefix that is deleted at the end. Rates are posts per CPU second of this process (the
machine is shared); for Elasticsearch also per wall second, since its side of the work runs in another
process. Each post gets a distinct id per pass, so every pass looks up and claims like new posts do.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor import es as dozor_es  # noqa: E402
from dozor.settings import DozorSettings  # noqa: E402
from dozor.stream import Message  # noqa: E402
from enrich.pipeline import default_enricher  # noqa: E402
from enrich.stage import make_stage  # noqa: E402
from enrich.stories import MemoryStore, StoryAssigner  # noqa: E402
from enrich.stories.es_store import EsStoryStore, keys_index  # noqa: E402

DEFAULT_CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
BATCH = 500


def _batches(records: list[dict[str, object]], round_: int) -> list[list[Message]]:
    """The corpus as stage batches; message ids moved by the round, so each pass is new posts."""
    out = []
    for start in range(0, len(records), BATCH):
        chunk = []
        for i, record in enumerate(records[start : start + BATCH], start=start):
            shifted = {**record, "message_id": round_ * 1_000_000 + i, "event": "new"}
            chunk.append(Message(value=json.dumps(shifted).encode(), topic="bench", offset=i))
        out.append(chunk)
    return out


def _rate(
    stage: Callable[[list[Message]], object], records: list[dict[str, object]], seconds: float
) -> tuple[float, float, int]:
    done, round_ = 0, 0
    cpu, wall = time.process_time(), time.perf_counter()
    while time.process_time() - cpu < seconds:
        round_ += 1
        for batch in _batches(records, round_):
            stage(batch)
            done += len(batch)
    return done / (time.process_time() - cpu), done / (time.perf_counter() - wall), done


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 3.0
    positional = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--seconds")]
    corpus = Path(positional[0]) if positional else DEFAULT_CORPUS
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    records = [json.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    records = [r for r in records if r.get("event", "new") == "new"]
    enricher = default_enricher()
    make_stage(enricher)(_batches(records, 0)[0])  # warm the caches

    rows = [("enrich stage, no stories", *_rate(make_stage(enricher), records, seconds))]
    memory = make_stage(enricher, StoryAssigner(MemoryStore()))
    rows.append(("+ stories, claims in memory (--input)", *_rate(memory, records, seconds)))
    if "--no-es" not in argv:
        settings = DozorSettings(index_prefix=f"bench-stories-{uuid.uuid4().hex[:6]}")
        es = dozor_es.client(settings)
        try:
            in_es = make_stage(enricher, StoryAssigner(EsStoryStore(es, settings)))
            rows.append(("+ stories, claims in Elasticsearch", *_rate(in_es, records, seconds)))
        finally:
            es.indices.delete(index=keys_index(settings), ignore_unavailable=True)
            es.close()

    base = rows[0][1]
    print(f"corpus: {corpus} ({len(records)} posts), batches of {BATCH}, one core, ~{seconds:.0f} CPU s each")
    print("posts per CPU second of this process (shared machine: absolute numbers are low under load)")
    print(f"{'measurement':<42}{'posts/CPU s':>12}{'posts/wall s':>14}{'posts':>8}{'x no stories':>14}")
    for name, cpu, wall, n in rows:
        print(f"{name:<42}{cpu:>12.0f}{wall:>14.0f}{n:>8}{cpu / base:>14.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Enrichment throughput on one core, side by side with langdetect alone on the same texts.

    .venv/bin/python bench/bench_enrich.py [CORPUS.jsonl] [--seconds 5]

CORPUS defaults to the sample corpus (ingest/samples/corpus.jsonl, posts.raw records). Prints posts
per CPU second (process time, so other load on a shared machine does not skew it) for: the full
enrichment of a record (enrich_record), the Kafka stage path (JSON bytes in, RawPost validation,
JSON bytes out), and langdetect alone; the ratio to langdetect; and the process's peak RSS.
The first pass over the corpus runs with cold caches and is reported on its own.
Targets (issue 5): >= 5,000 posts/s for the full enrichment, <= 300 MB RSS.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor.stream import Message  # noqa: E402
from enrich.pipeline import default_enricher  # noqa: E402
from enrich.stage import make_stage  # noqa: E402

DEFAULT_CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"


def _rate(fn: Callable[[], int], seconds: float) -> tuple[float, int]:
    """Run ``fn`` (which processes some posts and returns how many) for about ``seconds`` of CPU
    time; posts per CPU second of this process, so other load on a shared machine does not count."""
    done = 0
    start = time.process_time()
    while True:
        done += fn()
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed, done


def _as_raw_post(record: dict[str, object], number: int) -> dict[str, object]:
    """A posts.raw record around a bare ``{"text": ...}`` line, so the stage path can be measured too."""
    channel = {"id": 1, "username": "bench", "title": "bench", "category": "other"}
    return {"schema": 1, "channel": channel, "message_id": number, "text": record.get("text") or ""}


def _langdetect_alone(texts: list[str]) -> Callable[[], int]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run() -> int:
        for text in texts:
            with contextlib.suppress(LangDetectException):
                detect(text)
        return len(texts)

    return run


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 5.0
    positional = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--seconds")]
    corpus = Path(positional[0]) if positional else DEFAULT_CORPUS
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    lines = [line for line in corpus.read_bytes().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    texts = [str(r.get("text") or "") for r in records]
    enricher = default_enricher()
    stage = make_stage(enricher)
    raw = [record if "channel" in record else _as_raw_post(record, i) for i, record in enumerate(records)]
    batch = [Message(value=json.dumps(r).encode(), topic="bench", offset=i) for i, r in enumerate(raw)]

    start = time.process_time()
    for record in records:
        enricher.enrich(record)
    cold = len(records) / (time.process_time() - start)

    def full() -> int:
        for record in records:
            enricher.enrich(record)
        return len(records)

    def staged() -> int:
        result = stage(batch)
        return len(result.outputs) + len(result.rejected)

    full_rate, full_n = _rate(full, seconds)
    stage_rate, stage_n = _rate(staged, seconds)
    ld_rate, ld_n = _rate(_langdetect_alone(texts), seconds)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"corpus: {corpus} ({len(records)} posts), one core, {seconds:.0f} CPU s per measurement")
    print("rates are posts per CPU second of this process (the machine is shared)")
    print(f"{'measurement':<44}{'posts/s':>10}{'posts':>9}{'x langdetect':>14}")
    print(f"{'enrich_record, first pass (cold caches)':<44}{cold:>10.0f}{len(records):>9}{cold / ld_rate:>14.1f}")
    print(f"{'enrich_record (full enrichment)':<44}{full_rate:>10.0f}{full_n:>9}{full_rate / ld_rate:>14.1f}")
    print(
        f"{'stage: bytes -> RawPost -> enriched bytes':<44}{stage_rate:>10.0f}{stage_n:>9}{stage_rate / ld_rate:>14.1f}"
    )
    print(f"{'langdetect alone (seeded detect)':<44}{ld_rate:>10.0f}{ld_n:>9}{1.0:>14.1f}")
    print(f"peak RSS: {rss_mb:.0f} MB (includes langdetect's profiles, loaded for the side-by-side run)")
    ok = full_rate >= 5000 and rss_mb <= 300
    print(f"targets (>= 5000 posts/s, <= 300 MB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

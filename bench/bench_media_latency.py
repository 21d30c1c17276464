"""The text path with OCR busy: publish -> searchable latency of posts, with and without a media backlog
being read by the OCR stage at the same time, side by side in one run.

The services run as in production, each its own process on a fresh topic/index prefix: `dozor enrich`,
`dozor index` (which also applies the OCR stage's output to posts) and, in phase B, `dozor ocr`. This
script publishes posts to posts.raw at a steady rate and polls Elasticsearch (a search, so only what a
refresh made visible counts) until each is found. Latency = found - published.

  A. posts alone;
  B. the same rate while `dozor ocr` works through a backlog of ``--backlog`` generated images (stored
     in a blob store under /tmp, announced on posts.media just before the phase starts).

    .venv/bin/python bench/bench_media_latency.py [--duration 40] [--rate 5] [--backlog 200]
Loopback only; bounded (each phase waits at most 60 s for its last post). CI does not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from cli.demo_media import notice_image
from dozor import es as des
from dozor import kafka as dk
from dozor.records import Channel, MediaEvent, MediaItem, utcnow
from media.settings import MediaSettings
from media.store import open_store
from search import index as ix
from search.media import MEDIA_OCR
from search.settings import SearchSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from tests.support.services import Services
from tests.support.stack import drop_indices

CHANNEL = 6_200_000
BACKLOG_CHANNEL = 6_300_000
WORDS = ["мобилизация", "повестка", "военкомат", "контракт", "гражданство", "патент", "мигрант", "указ", "закон",
         "регистрация", "штраф", "выплата", "консульство", "депортация", "рейд", "общежитие"]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Watcher(threading.Thread):
    """Polls the posts alias for the ids published and not yet found; records when each appeared."""

    def __init__(self, settings: SearchSettings) -> None:
        super().__init__(daemon=True)
        self.es = des.client(settings)
        self.alias = ix.posts_alias(settings)
        self.pending: dict[int, float] = {}
        self.latency: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def expect(self, message_id: int, at: float) -> None:
        with self.lock:
            self.pending[message_id] = at

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.lock:
                ids = list(self.pending)
            if ids:
                resp = self.es.search(
                    index=self.alias,
                    query={"bool": {"filter": [{"term": {"channel.id": CHANNEL}}, {"terms": {"message_id": ids}}]}},
                    source_includes=["message_id"],
                    size=len(ids),
                    ignore_unavailable=True,
                    allow_no_indices=True,
                )
                now = time.time()
                with self.lock:
                    for hit in resp["hits"]["hits"]:
                        mid = int(hit["_source"]["message_id"])
                        if mid in self.pending:
                            self.latency[mid] = now - self.pending.pop(mid)
            time.sleep(0.05)


def publish(settings: SearchSettings, watcher: Watcher | None, rate: float, duration: float, start_id: int) -> None:
    producer = dk.producer(settings, linger_ms=0)
    topic, key = settings.topic(dk.RAW), str(CHANNEL).encode()
    rnd = random.Random(start_id)
    t0 = time.monotonic()
    for i in range(int(rate * duration)):
        wait = t0 + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        record = {"schema": 1, "event": "new", "message_id": start_id + i, "date": utcnow().isoformat(),
                  "channel": {"id": CHANNEL, "username": "bench_text", "category": "media"},
                  "text": " ".join(rnd.choices(WORDS, k=12)), "collected_at": utcnow().isoformat()}  # fmt: skip
        published = time.time()
        producer.send(topic, key=key, value=json.dumps(record).encode()).get(timeout=30)
        if watcher is not None:
            watcher.expect(start_id + i, published)
    producer.close()


def backlog(settings: SearchSettings, media_url: str, n: int) -> None:
    """``n`` generated images, stored, then announced on posts.media (as a collector would)."""
    store = open_store(MediaSettings(media_url=media_url))
    rnd = random.Random(n)
    channel = Channel(id=BACKLOG_CHANNEL, username="bench_media", category="media")
    events = []
    for i in range(n):
        lines = tuple(" ".join(rnd.choices(WORDS, k=3)) for _ in range(4))
        image = notice_image(lines, width=720, font_size=30)
        out = Path(f"/tmp/dozor-bench-img-{os.getpid()}.jpg")
        image.save(out, "JPEG", quality=85)
        blob = store.put_file(out)
        item = MediaItem(sha256=blob.sha256, type="photo", status="stored", mime="image/jpeg", size=blob.size)
        events.append(MediaEvent(channel=channel, message_id=i + 1, date=utcnow(), item=item))
    producer = dk.producer(settings)
    for event in events:
        producer.send(
            settings.topic(dk.MEDIA),
            key=str(BACKLOG_CHANNEL).encode(),
            value=event.model_dump_json(by_alias=True).encode(),
        )
    producer.flush()
    producer.close()


def phase(name: str, settings: SearchSettings, args: argparse.Namespace, start_id: int) -> dict[str, Any]:
    watcher = Watcher(settings)
    watcher.start()
    publish(settings, watcher, args.rate, args.duration, start_id)
    deadline = time.time() + 60
    while time.time() < deadline and watcher.pending:
        time.sleep(0.2)
    watcher.stopped.set()
    watcher.join()
    found = list(watcher.latency.values())
    out: dict[str, Any] = {"phase": name, "posts": int(args.rate * args.duration), "found": len(found)}
    if found:
        out |= {"p50_s": round(statistics.median(found), 3), "p95_s": round(percentile(found, 0.95), 3),
                "p99_s": round(percentile(found, 0.99), 3), "max_s": round(max(found), 3)}  # fmt: skip
    print(json.dumps(out), flush=True)
    return out


def ocr_done(settings: SearchSettings) -> int:
    es = des.client(settings)
    query = {"bool": {"filter": [{"term": {"channel.id": BACKLOG_CHANNEL}}, {"exists": {"field": "media.ocr_text"}}]}}
    es.indices.refresh(index=ix.posts_alias(settings), ignore_unavailable=True, allow_no_indices=True)
    return int(
        es.count(index=ix.posts_alias(settings), query=query, ignore_unavailable=True, allow_no_indices=True)["count"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=40, help="seconds of publishing per phase (default 40)")
    parser.add_argument("--rate", type=float, default=5, help="posts per second (default 5)")
    parser.add_argument("--backlog", type=int, default=200, help="images for the OCR stage in phase B (default 200)")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:6]
    topic_prefix, index_prefix = f"bench{run}-", f"bench{run}"
    settings = SearchSettings(topic_prefix=topic_prefix, index_prefix=index_prefix)
    work = Path(f"/tmp/dozor-bench-media-{run}")
    work.mkdir(parents=True)
    media_url = (work / "blobs").as_uri()
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": topic_prefix, "DOZOR_INDEX_PREFIX": index_prefix,
           "DOZOR_MEDIA_URL": media_url}  # fmt: skip
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.MEDIA, MEDIA_OCR, dk.DLQ])
    services = Services(env, work)
    try:
        services.start("enrich", "enrich")
        services.start("index", "index")
        print(f"services starting (logs in {work}); warming up 10 s", file=sys.stderr)
        publish(settings, None, args.rate, 10, 0)
        time.sleep(5)
        results = [phase("A: posts alone", settings, args, 1_000_000)]
        backlog(settings, media_url, args.backlog)
        services.start("ocr", "ocr")
        time.sleep(3)  # the OCR stage has its group and is reading when the phase starts
        results.append(phase(f"B: posts + OCR of a {args.backlog}-image backlog", settings, args, 2_000_000))
        done = ocr_done(settings)
    finally:
        services.stop_all()
        drop_indices(des.client(settings), settings)
        admin = dk.admin(settings)
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(topic_prefix)])
        admin.close()
        shutil.rmtree(work / "blobs", ignore_errors=True)
    a, b = results
    ratio = b.get("p99_s", 0) / max(a.get("p99_s", 1e-9), 1e-9)
    print(
        f"publish -> searchable p99: {a.get('p99_s')} s alone, {b.get('p99_s')} s with OCR busy (ratio {ratio:.2f}); "
        f"p50 {a.get('p50_s')} s vs {b.get('p50_s')} s; OCR'd and indexed in phase B: {done} of {args.backlog}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

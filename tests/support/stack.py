"""Helpers for tests and benchmarks on the shared stack: enriched records built with the enricher's own
analysis, topics written and read, `index --drain` in-process, index cleanup, the API app on a free port;
the loopback proxy that plays "the service is down" is in proxy.py."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.proxy import TcpProxy, free_port

__all__ = ["TcpProxy", "free_port"]  # with the helpers below, which the tests import from here


def enriched(
    channel_id: int,
    message_id: int,
    text: str,
    lang: str,
    *,
    event: str = "new",
    date: str = "2026-10-19T06:00:00Z",
    edit_date: str | None = None,
    username: str | None = "test_channel",
    topics: list[str] | None = None,
    category: str = "media",
    views: int | None = 100,
    **extra: Any,
) -> dict[str, Any]:
    """A posts.enriched record whose text_norm/text_stem come from enrich.analysis, as the enricher's."""
    from enrich.analysis import analyze, normalize
    from enrich.script import script_of

    return {
        "schema": 1,
        "source": "telegram",
        "event": event,
        "channel": {"id": channel_id, "username": username, "title": "Test", "category": category, "country": "RU"},
        "message_id": message_id,
        "date": date,
        "edit_date": edit_date,
        "text": text,
        "views": views,
        "forwards": 1 if views is not None else None,
        "reactions": {"👍": 2},
        "collected_at": edit_date or date,
        "lang": lang,
        "lang_score": 0.9,
        "script": script_of(text),
        "topics": topics or [],
        "text_norm": normalize(text, lang),
        "text_stem": " ".join(analyze(text, lang)),
        **extra,
    }


def drop_indices(es: Elasticsearch, settings: DozorSettings) -> None:
    """Delete the indices and templates under the settings' index prefix (test cleanup)."""
    pattern = f"{settings.index_prefix}-*"
    names = list(es.indices.get(index=pattern, expand_wildcards="all", ignore_unavailable=True))
    for start in range(0, len(names), 50):  # a long name list would pass the HTTP line limit
        es.indices.delete(index=",".join(names[start : start + 50]), ignore_unavailable=True)
    try:
        templates = es.indices.get_index_template(name=pattern)["index_templates"]
    except NotFoundError:
        templates = []
    for t in templates:
        with contextlib.suppress(NotFoundError):
            es.indices.delete_index_template(name=t["name"])


def produce(
    settings: DozorSettings,
    topic: str,
    records: Sequence[dict[str, Any] | bytes],
    encode: Callable[[dict[str, Any]], bytes] | None = None,
) -> None:
    """Write records (JSON objects or raw bytes) to a topic (unprefixed name), keyed by channel id. JSON
    objects are ASCII-escaped JSON unless ``encode`` is given (benches pass the stages' own codec,
    ``dozor.topics.dumps``, so that they read what the stages write)."""
    import json

    from dozor import kafka as dk

    encode = encode or (lambda rec: json.dumps(rec).encode())

    dk.ensure_topics(settings, [topic, dk.DLQ], partitions=3)
    producer = dk.producer(settings)
    try:
        for rec in records:
            if isinstance(rec, bytes):
                producer.send(settings.topic(topic), value=rec, key=b"0")
            else:
                key = str(rec.get("channel", {}).get("id", 0)).encode()
                producer.send(settings.topic(topic), value=encode(rec), key=key)
        producer.flush()
    finally:
        producer.close()


def drain_index(settings: SearchSettings, es: Elasticsearch | None = None, max_batch: int = 500) -> tuple[Any, Any]:
    """`dozor index --drain` in-process (posts.enriched and the media topics): (run stats, indexer)."""
    from dozor import kafka as dk
    from dozor.stream import StageRunner
    from search.indexer import Indexer, client
    from search.media import MEDIA_TOPICS

    indexer = Indexer(es or client(settings), settings)
    indexer.prepare()
    runner = StageRunner(
        "index", settings, [dk.ENRICHED, *(t.name for t in MEDIA_TOPICS)], indexer, max_batch=max_batch
    )
    stats = runner.drain()
    indexer.refresh()
    return stats, indexer


def read_topic(settings: DozorSettings, topic: str, timeout_s: float = 10.0) -> list[Any]:
    """Every record of a topic (unprefixed name) from the beginning, read without a group."""
    import time

    from kafka import TopicPartition

    from dozor import kafka as dk

    consumer = dk.consumer(settings, None)
    try:
        name = settings.topic(topic)
        parts = consumer.partitions_for_topic(name) or set()
        tps = [TopicPartition(name, p) for p in parts]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(records)
        return out
    finally:
        consumer.close()


@contextlib.contextmanager
def serve_api(settings: SearchSettings) -> Iterator[str]:
    """The real API app under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import time

    import uvicorn

    from surfaces.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError(f"the API did not start on port {port}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_api_then_drop(settings: SearchSettings) -> Iterator[str]:
    """serve_api, and the indices under the settings' prefix dropped once the server stopped (the end of
    a site fixture)."""
    from dozor import es as dozor_es

    with serve_api(settings) as url:
        yield url
    es = dozor_es.client(settings)
    drop_indices(es, settings)
    es.close()

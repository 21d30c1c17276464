"""Helpers for tests and benchmarks on the shared stack: enriched records built with the enricher's own
analysis, topics written and read, `index --drain` in-process, index cleanup, the API app on a free port,
and a loopback TCP proxy that can play "Elasticsearch is down"."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from dozor.settings import DozorSettings
from search.settings import SearchSettings


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``close()`` drops the listener and every connection
    (the target looks down), ``open()`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="tcp-proxy")
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def open(self) -> None:
        self._call(self._open())

    def close(self) -> None:
        self._call(self._close())

    def stop(self) -> None:
        self.close()
        self._call(self._cancel_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _cancel_all(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


def produce(settings: DozorSettings, topic: str, records: Sequence[dict[str, Any] | bytes]) -> None:
    """Write records (JSON objects or raw bytes) to a topic (unprefixed name), keyed by channel id."""
    import json

    from dozor import kafka as dk

    dk.ensure_topics(settings, [topic, dk.DLQ], partitions=3)
    producer = dk.producer(settings)
    try:
        for rec in records:
            if isinstance(rec, bytes):
                producer.send(settings.topic(topic), value=rec, key=b"0")
            else:
                key = str(rec.get("channel", {}).get("id", 0)).encode()
                producer.send(settings.topic(topic), value=json.dumps(rec).encode(), key=key)
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

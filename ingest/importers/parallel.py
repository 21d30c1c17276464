"""Big JSONL imports: a worker process parses, validates and encodes while this process only sends.

kafka-python's send path and RawPost validation are both CPU-bound Python; in one process they
share one GIL. Chunks of lines go to the worker and come back as ready-to-send bytes (or rejects),
with a bounded number of chunks in flight so memory stays flat on any file size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from ingest.importers import Bad, jsonl
from ingest.producer import encode

CHUNK_LINES = 2_000
IN_FLIGHT = 4
MIN_BYTES = 4 * 1024 * 1024  # below this the worker's start-up costs more than it saves

Encoded = tuple[bytes, int]  # (posts.raw value, channel id)


def parse_chunk(source: str, first_line: int, lines: list[bytes], max_text_chars: int) -> list[Encoded | Bad]:
    return [
        item if isinstance(item, Bad) else (encode(item), item.channel.id)
        for item in jsonl.read(lines, source, max_text_chars, first_line)
    ]


def start_pool() -> ProcessPoolExecutor:
    """Start the worker now, before any Kafka client thread exists in this process (fork safety)."""
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    pool.submit(int).result()
    return pool


def encoded(path: Path, max_text_chars: int, pool: ProcessPoolExecutor) -> Iterator[Encoded | Bad]:
    queue: deque[Future[list[Encoded | Bad]]] = deque()
    with path.open("rb") as fh:
        line_no = 1
        while True:
            while len(queue) < IN_FLIGHT:
                lines = list(islice(fh, CHUNK_LINES))
                if not lines:
                    break
                queue.append(pool.submit(parse_chunk, str(path), line_no, lines, max_text_chars))
                line_no += len(lines)
            if not queue:
                return
            yield from queue.popleft().result()

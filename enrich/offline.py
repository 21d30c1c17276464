"""`dozor enrich --input F --output G`: the enrichment over JSONL files (or stdin/stdout).

Every input line is a JSON object with at least ``text``; every output line is that object plus the
enriched fields. A bad line is reported on stderr with its number and skipped; the rest goes on.
Stories are assigned among the file's own posts (in memory: the index is not consulted offline); a
record without a post id (``id``, or ``channel.id`` and ``message_id``) is known by ``line:<number>``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dozor.dlq import describe
from dozor.errors import DozorError
from dozor.topics import dumps, loads
from enrich.pipeline import Enricher
from enrich.stories import MemoryStore, StoryAssigner, assign_records, record_id


@dataclass
class OfflineStats:
    enriched: int = 0
    bad: int = 0

    def summary(self) -> str:
        return f"enrich: {self.enriched} enriched, {self.bad} bad lines"


@contextmanager
def _open(name: str, mode: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer if "r" in mode else sys.stdout.buffer
        return
    try:
        with Path(name).open(mode) as fh:
            yield fh
    except OSError as exc:
        raise DozorError(f"{name}: {exc.strerror or exc}") from None


def enrich_lines(source: IO[bytes], sink: IO[bytes], enricher: Enricher, errors: IO[str]) -> OfflineStats:
    stats = OfflineStats()
    stories = StoryAssigner(MemoryStore())
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
            if not isinstance(obj, dict):
                raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
            if "text" not in obj:
                raise ValueError("no `text` field")
            enriched = enricher.enrich(obj)
            assign_records(stories, [enriched], [record_id(obj) or f"line:{number}"])
            value = dumps(enriched)  # a lone surrogate (escaped) cannot become UTF-8
        except ValueError as exc:
            stats.bad += 1
            print(f"dozor: enrich: line {number}: {describe(exc)}", file=errors)
            continue
        sink.write(value + b"\n")
        stats.enriched += 1
    sink.flush()
    return stats


def run(input_name: str, output_name: str, enricher: Enricher) -> OfflineStats:
    with _open(input_name, "rb") as source, _open(output_name, "wb") as sink:
        return enrich_lines(source, sink, enricher, sys.stderr)

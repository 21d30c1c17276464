"""`dozor enrich --input F --output G`: the enrichment over JSONL files (or stdin/stdout).

Every input line is a JSON object with at least ``text``; every output line is that object plus the
enriched fields. A bad line is reported on stderr with its number and skipped; the rest goes on.
Stories are assigned among the file's own posts (in memory: the index is not consulted offline); a
record without a post id (``id``, or ``channel.id`` and ``message_id``) is known by ``line:<number>``.
A file's lines get their stories 500 at a time, as the stage's batches do; from a pipe (``--input -``
fed by another program) each line is written and flushed as soon as it is enriched."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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


# Lines whose stories are assigned together (the stage's batch: one pass of array work for all of them,
# not one per line). Only for a file: from a pipe, each line is written out as soon as it is enriched.
FILE_BATCH = 500


def enrich_lines(
    source: IO[bytes], sink: IO[bytes], enricher: Enricher, errors: IO[str], batch: int | None = None
) -> OfflineStats:
    """Enrich every line of ``source`` to ``sink``, in order; ``batch``: the lines assigned stories
    together (default: :data:`FILE_BATCH` for a file, 1 for a pipe). Stories are the same either way:
    within a batch, each post meets the ones before it."""
    size = batch or (FILE_BATCH if source.seekable() else 1)
    stats = OfflineStats()
    stories = StoryAssigner(MemoryStore())
    pending: list[_Line] = []
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        pending.append(_enriched(enricher, number, line))
        if len(pending) >= size:
            _write(pending, stories, sink, errors, stats)
            sink.flush()  # from a pipe, this line's reader gets it now
            pending = []
    _write(pending, stories, sink, errors, stats)
    sink.flush()
    return stats


@dataclass
class _Line:
    number: int
    record: dict[str, Any] | None = None  # enriched; None for a bad line
    words: list[str] | None = None  # of its text_norm
    post_id: str = ""
    error: ValueError | None = None


def _enriched(enricher: Enricher, number: int, line: bytes) -> _Line:
    try:
        obj = loads(line)
        if not isinstance(obj, dict):
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        if "text" not in obj:
            raise ValueError("no `text` field")
        enriched, words = enricher.enrich_and_words(obj)
    except ValueError as exc:
        return _Line(number, error=exc)
    return _Line(number, enriched, words, record_id(obj) or f"line:{number}")


def _write(lines: list[_Line], stories: StoryAssigner, sink: IO[bytes], errors: IO[str], stats: OfflineStats) -> None:
    """Assign the good lines their stories, then write them and report the bad ones, in input order."""
    good = [(line.record, line.post_id, line.words) for line in lines if line.record is not None]
    if good:
        records, ids, words = zip(*good, strict=True)
        assign_records(stories, records, ids, words)
    for line in lines:
        error = line.error
        if line.record is not None:
            try:
                sink.write(dumps(line.record) + b"\n")  # a lone surrogate (escaped) cannot become UTF-8
                stats.enriched += 1
                continue
            except ValueError as exc:
                error = exc
        stats.bad += 1
        assert error is not None  # a line is either enriched or refused
        print(f"dozor: enrich: line {line.number}: {describe(error)}", file=errors)


def run(input_name: str, output_name: str, enricher: Enricher) -> OfflineStats:
    with _open(input_name, "rb") as source, _open(output_name, "wb") as sink:
        return enrich_lines(source, sink, enricher, sys.stderr)

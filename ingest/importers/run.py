"""`dozor import FILE`: JSONL of posts.raw records or a Telegram Desktop export → posts.raw.

Bad entries are counted by kind, logged with their line (or message id) and reason, and sent to
posts.dlq with the original bytes; good ones go to posts.raw. Nothing is dropped silently.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dozor.errors import UsageError
from dozor.records import RawPost
from ingest.importers import Bad, Item, jsonl, tdesktop
from ingest.importers.parallel import MIN_BYTES, Encoded, encoded, start_pool
from ingest.producer import Pending, RawSink, encode, prepare_topics
from ingest.registry import Registry
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)

STAGE = "ingest.import"
WAIT_EVERY = 20_000  # bound the records in flight (and the futures held) during a big import


@dataclass
class ImportSummary:
    sent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.skipped.values())

    def text(self) -> str:
        line = f"{self.sent} records sent to posts.raw, {self.rejected} skipped (sent to posts.dlq)"
        if self.skipped:
            line += ": " + ", ".join(f"{n} {kind}" for kind, n in self.skipped.most_common())
        return line


def channel_fill(ref: str | None, registry: Registry | None) -> dict[str, Any]:
    """Channel fields from ``--channel`` (username or id), completed from the registry when listed."""
    if not ref:
        return {}
    entry = registry.find(ref) if registry is not None else None
    fill: dict[str, Any] = {}
    key = ref.strip()
    if key.lstrip("-").isdigit():
        number = abs(int(key))
        fill["id"] = int(str(number)[3:]) if str(number).startswith("100") and len(str(number)) > 12 else number
    else:
        fill["username"] = key.lstrip("@").split("/")[-1]
    if entry is not None:
        fill["category"] = entry.category
        fill["country"] = entry.country
        if entry.username:
            fill["username"] = entry.username
        if entry.channel_id:
            fill["id"] = entry.channel_id
        if entry.title:
            fill["title"] = entry.title
    return fill


def _is_export(path: Path, head: bytes) -> bool:
    """By extension, else by content: a JSONL file's first line is a whole record by itself."""
    if path.suffix.lower() == ".jsonl":
        return False
    if path.suffix.lower() == ".json":
        return True
    first = next((line for line in head.splitlines() if line.strip()), b"")
    try:
        obj = json.loads(first)
    except ValueError:
        return first.strip().startswith(b"{")  # a pretty-printed object spans many lines
    return isinstance(obj, dict) and ("messages" in obj or "chats" in obj)


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(100_000)


def items(path: Path, settings: IngestSettings, fill: dict[str, Any], is_export: bool) -> Iterator[Item]:
    if str(path) == "-":
        yield from jsonl.read(sys.stdin.buffer, "<stdin>", settings.max_text_chars)
    elif is_export:
        yield from tdesktop.read(path.read_bytes(), str(path), fill, settings.max_text_chars)
    else:
        with path.open("rb") as fh:
            yield from jsonl.read(fh, str(path), settings.max_text_chars)


def send_items(stream: Iterable[Item | Encoded], sink: RawSink) -> ImportSummary:
    summary = ImportSummary()
    pending = Pending()
    for item in stream:
        if isinstance(item, tuple):
            sink.send_encoded(item[0], item[1], pending)
            summary.sent += 1
        elif isinstance(item, RawPost):
            sink.send_encoded(encode(item), item.channel.id, pending)
            summary.sent += 1
        else:
            _reject(item, sink, pending)
            summary.skipped[item.kind] += 1
        if len(pending) >= WAIT_EVERY:
            pending.wait()
    pending.wait()
    return summary


def _reject(bad: Bad, sink: RawSink, pending: Pending) -> None:
    log.warning("skipped %s: %s", bad.where, bad.reason)
    sink.reject(bad.raw, f"{bad.kind}: {bad.reason}", bad.where, pending)


def import_file(
    path: Path,
    settings: IngestSettings,
    channel: str | None = None,
    registry: Registry | None = None,
    *,
    parallel: bool | None = None,
) -> ImportSummary:
    """``parallel``: parse JSONL in a worker process (default: for files of 4 MB or more)."""
    stdin = str(path) == "-"
    if not stdin and not path.is_file():
        raise UsageError(f"{path}: no such file")
    is_export = not stdin and _is_export(path, _head(path))
    if parallel is None:
        parallel = not stdin and path.stat().st_size >= MIN_BYTES
    pool = start_pool() if parallel and not stdin and not is_export else None
    try:
        stream: Iterator[Item | Encoded] = (
            encoded(path, settings.max_text_chars, pool)
            if pool is not None
            else items(path, settings, channel_fill(channel, registry), is_export)
        )
        first = next(stream, None)  # surface a bad file (UsageError) before touching Kafka
        prepare_topics(settings)
        sink = RawSink(settings, stage=STAGE)
        try:
            return send_items(_chain(first, stream), sink)
        finally:
            sink.close()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _chain(first: Item | Encoded | None, rest: Iterator[Item | Encoded]) -> Iterator[Item | Encoded]:
    if first is not None:
        yield first
    yield from rest

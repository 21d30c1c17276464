"""`dozor import FILE`: a Telegram Desktop export, JSONL of posts.raw records or a Telethon dump → posts.raw.

Bad entries are counted by kind, logged with their line (or message id) and reason, and sent to
posts.dlq with the original bytes; good ones go to posts.raw. What is left out on purpose (service
messages, private chats) is counted in the summary by kind. Nothing is dropped silently. An export's
media files (and its entries' raw copies) go to the blob store; one posts.media event per file follows
the posts.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from dozor.errors import UsageError
from dozor.records import RawPost
from ingest.importers import Bad, Item, Skip, jsonl, tdesktop, telethon_jsonl
from ingest.importers.detect import LOOK_AT_LINES, Format, detect
from ingest.importers.parallel import MIN_BYTES, Encoded, encoded, start_pool
from ingest.importers.tdmedia import ExportMedia
from ingest.producer import Pending, RawSink, encode, prepare_topics
from ingest.registry import Registry
from ingest.settings import IngestSettings
from media.blobs import BlobStore, open_blob_store

log = logging.getLogger(__name__)

STAGE = "ingest.import"
WAIT_EVERY = 20_000  # bound the records in flight (and the futures held) during a big import


@dataclass
class ImportSummary:
    sent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # bad entries (to posts.dlq), by kind
    left_out: Counter[str] = field(default_factory=Counter)  # messages not posts, by kind
    chats_left_out: Counter[str] = field(default_factory=Counter)  # private chats, by type
    media: Counter[str] | None = None  # an export's media files by status

    @property
    def rejected(self) -> int:
        return sum(self.skipped.values())

    def text(self) -> str:
        line = f"{self.sent} records sent to posts.raw, {self.rejected} skipped (sent to posts.dlq)"
        if self.skipped:
            line += ": " + _counts(self.skipped)
        if self.left_out:
            line += "; not posts, left out: " + _counts(self.left_out)
        if self.chats_left_out:
            line += (
                f"; {sum(self.chats_left_out.values())} private chats left out ({_counts(self.chats_left_out)}):"
                " --include-private imports them"
            )
        if self.media:  # an export with media files (stored, missing or otherwise)
            more = "".join(f", {n} {k}" for k, n in sorted(self.media.items()) if k not in ("stored", "missing"))
            line += f"; media files: {self.media['stored']} stored, {self.media['missing']} missing{more}"
        return line

    def count(self, skip: Skip) -> None:
        (self.chats_left_out if skip.unit == "chat" else self.left_out)[skip.kind] += 1


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())


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


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(100_000)


def items(
    path: Path,
    settings: IngestSettings,
    fill: dict[str, Any],
    kind: Format,
    include_private: bool = False,
    media: ExportMedia | None = None,
) -> Iterator[Item]:
    limit = settings.max_text_chars
    if kind is Format.TDESKTOP:
        on_post = media.on_post if media is not None else None
        yield from tdesktop.read(
            path.read_bytes(), str(path), fill, limit, include_private=include_private, on_post=on_post
        )
        return
    with path.open("rb") as fh:
        if kind is Format.TELETHON:
            yield from telethon_jsonl.read(fh, str(path), fill, limit, include_private=include_private)
        else:
            yield from jsonl.read(fh, str(path), limit)


def stdin_items(settings: IngestSettings, fill: dict[str, Any], include_private: bool) -> Iterator[Item]:
    """Standard input, in whichever format its first lines show."""
    peeked = list(islice(sys.stdin.buffer, LOOK_AT_LINES))
    lines = chain(peeked, sys.stdin.buffer)
    kind = detect(b"".join(peeked), "<stdin>")
    limit = settings.max_text_chars
    if kind is Format.TDESKTOP:
        yield from tdesktop.read(b"".join(lines), "<stdin>", fill, limit, include_private=include_private)
    elif kind is Format.TELETHON:
        yield from telethon_jsonl.read(lines, "<stdin>", fill, limit, include_private=include_private)
    else:
        yield from jsonl.read(lines, "<stdin>", limit)


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
        elif isinstance(item, Skip):
            summary.count(item)
        else:
            _reject(item, sink, pending)
            summary.skipped[item.kind] += 1
        if len(pending) >= WAIT_EVERY:
            pending.wait()
    pending.wait()
    return summary


def send_media(media: ExportMedia, sink: RawSink, summary: ImportSummary) -> None:
    """Store the export's files and send their events (after every post was acknowledged)."""
    pending = Pending()
    for event in media.events():
        sink.send_media(event, pending)
        if len(pending) >= WAIT_EVERY:
            pending.wait()
    pending.wait()
    summary.media = media.stats
    if media.raw_errors:
        log.warning("%d raw copies of entries not stored", media.raw_errors)


def _reject(bad: Bad, sink: RawSink, pending: Pending) -> None:
    log.warning("skipped %s: %s", bad.where, " ".join(bad.reason.split()))  # one line, no traceback
    sink.reject(bad.raw, f"{bad.kind}: {bad.reason}", bad.where, pending)


def import_file(
    path: Path,
    settings: IngestSettings,
    channel: str | None = None,
    registry: Registry | None = None,
    *,
    parallel: bool | None = None,
    include_private: bool = False,
    store: BlobStore | None = None,
) -> ImportSummary:
    """``parallel``: parse posts.raw JSONL in a worker process (default: for files of 4 MB or more).
    ``include_private``: import personal chats, bots and saved messages of an export too.
    ``store``: where an export's media and raw copies go (default: the configured blob store)."""
    stdin = str(path) == "-"
    if not stdin and not path.is_file():
        raise UsageError(f"{path}: no such file")
    kind = None if stdin else detect(_head(path), str(path), path.suffix.lower())
    if parallel is None:
        parallel = not stdin and path.stat().st_size >= MIN_BYTES
    is_export = kind is Format.TDESKTOP
    media = ExportMedia(store or open_blob_store(), path.parent) if is_export else None
    pool = start_pool() if parallel and kind is Format.JSONL else None
    fill = channel_fill(channel, registry)
    try:
        stream: Iterator[Item | Encoded] = (
            encoded(path, settings.max_text_chars, pool)
            if pool is not None
            else stdin_items(settings, fill, include_private)
            if kind is None
            else items(path, settings, fill, kind, include_private, media)
        )
        first = next(stream, None)  # surface a bad file (UsageError) before touching Kafka
        prepare_topics(settings)
        sink = RawSink(settings, stage=STAGE)
        try:
            summary = send_items(_chain(first, stream), sink)
            if media is not None:
                send_media(media, sink, summary)
            return summary
        finally:
            sink.close()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _chain(first: Item | Encoded | None, rest: Iterator[Item | Encoded]) -> Iterator[Item | Encoded]:
    if first is not None:
        yield first
    yield from rest

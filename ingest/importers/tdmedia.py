"""The media files of a Telegram Desktop export, stored as the collector would store them.

An entry names its files by paths relative to ``result.json`` (``photos/…``, ``files/…``, ``video_files/…``,
thumbnails ``…_thumb.jpg``), or, for a file the export left out, by a note in parentheses such as
"(File not included. Change data exporting settings to download.)". Each file becomes one ``posts.media``
event: ``stored`` (with its SHA-256), ``missing`` (left out, or not beside the export) or ``rejected`` (a
path leading outside the export folder). The raw copy of each entry is stored before its post is sent;
the files follow after every post of the export was sent (posts first, as with the collector).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dozor.records import Channel, MediaEvent, MediaItem, RawPost
from ingest.importers.tdesktop import COLLECTOR, MEDIA_TYPES
from ingest.rawjson import RawCopy
from media.blobs import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileRef:
    type: str
    value: str  # a path relative to the export, or Desktop's note on why the file is not there
    meta: dict[str, Any]


def _meta(msg: dict[str, Any], **keys: str) -> dict[str, Any]:
    return {dst: msg[src] for dst, src in keys.items() if isinstance(msg.get(src), int | str)}


def file_refs(msg: dict[str, Any]) -> list[FileRef]:
    """The files an entry names, thumbnail first (the main file's item points to it)."""
    refs: list[FileRef] = []
    if isinstance(msg.get("thumbnail"), str):
        refs.append(
            FileRef("thumbnail", msg["thumbnail"], {"mime": "image/jpeg", **_meta(msg, size="thumbnail_file_size")})
        )
    if isinstance(msg.get("photo"), str):
        meta = {"mime": "image/jpeg", **_meta(msg, size="photo_file_size", width="width", height="height")}
        refs.append(FileRef("photo", msg["photo"], meta))
    if isinstance(msg.get("file"), str):
        kind = MEDIA_TYPES.get(str(msg.get("media_type")), "document")
        meta = _meta(msg, mime="mime_type", size="file_size", file_name="file_name", width="width", height="height")
        refs.append(FileRef(kind, msg["file"], meta))
    return refs


@dataclass
class _Post:
    channel: Channel
    message_id: int
    date: datetime | None
    files: list[FileRef]


@dataclass
class ExportMedia:
    """Collects the entries' file references while the posts are read; stores the files afterwards."""

    store: BlobStore
    folder: Path  # the folder of result.json
    stats: Counter[str] = field(default_factory=Counter)  # media files by status
    raw_errors: int = 0
    _posts: list[_Post] = field(default_factory=list)

    def on_post(self, post: RawPost, msg: dict[str, Any], raw: RawCopy | None) -> None:
        """Called for each entry that became a post, before the post is sent."""
        if raw is not None:
            try:
                self.store.put(raw.data)
            except Exception as exc:  # any backend's error: the post goes on without its raw copy
                self.raw_errors += 1
                log.warning("message %s: raw copy not stored (%s: %s)", post.message_id, type(exc).__name__, exc)
        refs = file_refs(msg)
        if refs:
            self._posts.append(_Post(post.channel, post.message_id, post.date, refs))

    def events(self) -> Iterator[MediaEvent]:
        """Store each referenced file and yield its ``posts.media`` event."""
        base = self.folder.resolve()
        for post in self._posts:
            thumb: str | None = None
            for ref in post.files:
                item = self._item(ref, base)
                if ref.type == "thumbnail":
                    thumb = item.sha256
                else:
                    item.thumb_sha256 = thumb
                self.stats[item.status] += 1
                yield MediaEvent(
                    channel=post.channel,
                    message_id=post.message_id,
                    date=post.date,
                    item=item,
                    collector=COLLECTOR,
                )

    def _item(self, ref: FileRef, base: Path) -> MediaItem:
        fields = {"type": ref.type, **ref.meta}
        note = ref.value.strip()
        if note.startswith("(") and note.endswith(")"):
            return MediaItem(status="missing", reason=f"not in the export: {note[1:-1]}", **fields)
        path = (base / note).resolve()
        if not path.is_relative_to(base):
            return MediaItem(status="rejected", reason=f"{note}: path leads outside the export folder", **fields)
        if not path.is_file():
            return MediaItem(status="missing", reason=f"{note}: no such file beside the export", **fields)
        try:
            blob = self.store.put_file(path)
        except Exception as exc:  # any backend's error (disk, quota, S3): recorded with the reason
            return MediaItem(status="failed", reason=f"{note}: not stored: {type(exc).__name__}: {exc}", **fields)
        return MediaItem(status="stored", **(fields | {"sha256": blob.sha256, "size": blob.size}))

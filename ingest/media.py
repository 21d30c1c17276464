"""Media capture for the collector: a post's files, downloaded after the post went to posts.raw.

Text never waits for media: the collector sends a batch of posts, waits for Kafka's ack, and only then
hands the messages with media to :class:`MediaCapture`, which downloads them in the background (at most
``concurrency`` messages at a time) and sends one ``posts.media`` event per file once it is stored. The
downloads go through the account's :class:`FloodGate`, so a FloodWait on a download pauses that account's
text requests too (one budget per account). What is downloaded follows the channel's registry entry
(:func:`plan`); a file that is not kept gets an event with status ``skipped`` or ``failed`` and the reason.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from telethon.errors import FileReferenceExpiredError, FilerefUpgradeNeededError, RPCError
from telethon.tl import types as tl

from dozor.records import Channel, MediaEvent, MediaItem
from ingest.floodgate import FloodGate
from ingest.mapping import media_summary
from ingest.registry import MediaMode
from ingest.states import ACCOUNT_LOST, AccountHealth
from media.blobs import Blob, BlobStore
from media.store import QuotaExceeded

log = logging.getLogger(__name__)

VIDEO_KINDS = frozenset({"video", "video_note", "animation"})  # full file only with `media: all`
DOCUMENT_KINDS = frozenset({"document", "audio", "voice", "sticker"})
BIG_FILE = 16 * 1024 * 1024  # bigger downloads go through a temporary file instead of memory
MB = 1024 * 1024
EXPIRED = (FileReferenceExpiredError, FilerefUpgradeNeededError)
T = TypeVar("T")


@dataclass(frozen=True)
class Planned:
    """One file of a message: the attachment or its thumbnail; ``skip`` says why it is not downloaded."""

    type: str
    meta: dict[str, Any] = field(default_factory=dict)  # mime, size, width, height, file_name
    thumb: str | None = None  # the thumbnail size type to download (thumbnails only)
    skip: str | None = None


def _dimensions(doc: Any) -> dict[str, Any]:
    for attr in doc.attributes or []:
        if isinstance(attr, tl.DocumentAttributeVideo | tl.DocumentAttributeImageSize):
            return {"width": attr.w, "height": attr.h}
    return {}


def _best_thumb(doc: Any) -> Any:
    """The largest real thumbnail of a document (not the blurred inline preview); None if it has none."""
    sizes = [t for t in doc.thumbs or [] if isinstance(t, tl.PhotoSize | tl.PhotoSizeProgressive)]
    return max(sizes, key=lambda t: t.w * t.h, default=None)


def _thumb_plan(doc: Any) -> list[Planned]:
    thumb = _best_thumb(doc)
    if thumb is None:
        return []
    meta = {"mime": "image/jpeg", "width": thumb.w, "height": thumb.h}
    return [Planned("thumbnail", meta, thumb=thumb.type)]


def _cap(meta: dict[str, Any], max_bytes: int) -> str | None:
    size = meta.get("size") or 0
    if size > max_bytes:
        return f"{size / MB:.1f} MB is over the channel's max_media_mb ({max_bytes / MB:g} MB)"
    return None


def plan(media: Any, mode: MediaMode, max_bytes: int) -> list[Planned]:
    """The files to fetch (thumbnail first) for a message's media under the channel's registry entry."""
    if mode == "none" or media is None:
        return []
    summary = media_summary(media) or {}
    kind = summary.get("type")
    meta = {k: summary[k] for k in ("size", "width", "height", "file_name") if summary.get(k) is not None}
    if kind == "photo":
        return [Planned("photo", {"mime": "image/jpeg", **meta}, skip=_cap(meta, max_bytes))]
    doc = getattr(media, "document", None)
    if not isinstance(doc, tl.Document) or kind not in VIDEO_KINDS | DOCUMENT_KINDS:
        return []  # web page previews, polls, places, contacts: no file of the post's own
    meta = {"mime": doc.mime_type, **meta, **_dimensions(doc)}
    if kind in VIDEO_KINDS:
        skip = _cap(meta, max_bytes) if mode == "all" else "full videos are downloaded only with media: all"
        return [*_thumb_plan(doc), Planned(kind, meta, skip=skip)]
    skip = (
        _cap(meta, max_bytes) if mode != "photos" else "documents are not downloaded for this channel (media: photos)"
    )
    return [Planned(kind, meta, skip=skip)]


class Oversize(Exception):
    pass


class StoreFailed(Exception):
    """The blob store failed or refused the file (a full disk, S3 unreachable...)."""


class OverQuota(Exception):
    """The blob store's quota (DOZOR_MEDIA_QUOTA_MB) is reached: a policy, so the file is skipped."""


@dataclass
class MediaJob:
    """One message whose media to capture, with the account that fetched it."""

    client: Any
    gate: FloodGate
    entity: Any
    channel: Channel
    message: Any
    mode: MediaMode
    max_bytes: int
    collector: str
    where: str  # channel label, for logs and FloodWait notes
    health: AccountHealth | None = None  # a lost session stops the account's downloads too


MediaSend = Callable[[list[MediaEvent]], Awaitable[None]]


class MediaCapture:
    """Downloads in the background, bounded: ``concurrency`` messages at once, ``backlog`` queued at most."""

    def __init__(self, store: BlobStore, send: MediaSend, *, concurrency: int = 3, backlog: int = 2000) -> None:
        self.store = store
        self.send = send
        self.stats: Counter[str] = Counter()  # files by status
        self._slots = asyncio.Semaphore(concurrency)
        self._room = asyncio.Semaphore(backlog)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def submit(self, job: MediaJob) -> None:
        """Queue a message's media; returns at once unless ``backlog`` messages are already waiting."""
        if not plan(job.message.media, job.mode, job.max_bytes):
            return
        await self._room.acquire()
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every queued download is stored and its event sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, job: MediaJob) -> None:
        try:
            async with self._slots:
                events = await self.capture(job)
            await self.send(events)
        except Exception:  # the post is already safe; a media bug must not stop the collector
            log.exception("channel %s message %s: media not captured", job.where, job.message.id)
        finally:
            self._room.release()

    async def capture(self, job: MediaJob) -> list[MediaEvent]:
        items: list[MediaItem] = []
        thumb_sha: str | None = None
        for planned in plan(job.message.media, job.mode, job.max_bytes):
            item = await self._item(job, planned)
            if planned.type == "thumbnail":
                thumb_sha = item.sha256
            else:
                item.thumb_sha256 = thumb_sha
            self.stats[item.status] += 1
            items.append(item)
        return [
            MediaEvent(
                channel=job.channel,
                message_id=job.message.id,
                grouped_id=job.message.grouped_id,
                date=job.message.date,
                item=item,
                collector=job.collector,
            )
            for item in items
        ]

    async def _item(self, job: MediaJob, planned: Planned) -> MediaItem:
        base = {"type": planned.type, **planned.meta}
        if planned.skip:
            return MediaItem(status="skipped", reason=planned.skip, **base)
        if job.health is not None and not job.health.working:  # not one request more on a lost session
            return MediaItem(status="failed", reason=f"account {job.health.name}: session {job.health.state}", **base)
        try:
            blob = await self._fetch(job, planned)
        except (Oversize, OverQuota) as exc:
            return MediaItem(status="skipped", reason=str(exc), **base)
        except StoreFailed as exc:
            log.warning("channel %s message %s: %s %s", job.where, job.message.id, planned.type, exc)
            return MediaItem(status="failed", reason=str(exc), **base)
        except (RPCError, OSError, ValueError, TypeError) as exc:
            if isinstance(exc, ACCOUNT_LOST) and job.health is not None:
                job.health.failed(exc)
            log.warning("channel %s message %s: %s not downloaded: %s", job.where, job.message.id, planned.type, exc)
            return MediaItem(status="failed", reason=f"{type(exc).__name__}: {exc}", **base)
        if blob is None:
            return MediaItem(status="failed", reason="Telegram returned no file", **base)
        return MediaItem(status="stored", **(base | {"sha256": blob.sha256, "size": blob.size}))

    async def _fetch(self, job: MediaJob, planned: Planned) -> Blob | None:
        """Download and store; on FILE_REFERENCE_EXPIRED refetch the message and try once more."""
        try:
            return await self._download(job, planned)
        except EXPIRED:
            where = f"{job.where} message {job.message.id}"
            fresh = await job.gate.call(where, lambda: job.client.get_messages(job.entity, ids=job.message.id))
            if fresh is None or getattr(fresh, "media", None) is None:
                raise ValueError(
                    "the message is gone or has no media any more (refetched after an expired file reference)"
                ) from None
            job.message = fresh
            log.info("channel %s: file reference expired; refetched the message, retrying once", where)
            return await self._download(job, planned)

    async def _download(self, job: MediaJob, planned: Planned) -> Blob | None:
        where = f"{job.where} message {job.message.id} {planned.type}"
        client, message, thumb = job.client, job.message, planned.thumb
        limit = None if planned.type == "thumbnail" else job.max_bytes
        if (planned.meta.get("size") or 0) <= BIG_FILE:
            data = await job.gate.call(where, lambda: client.download_media(message, file=bytes, thumb=thumb))
            if data is None:
                return None
            _check(len(data), limit)
            return await _stored(self.store.put, data)
        with tempfile.TemporaryDirectory(prefix="dozor-media-") as tmp:
            path = Path(tmp) / "download"
            with path.open("wb") as fh:
                got = await job.gate.call(where, lambda: client.download_media(message, file=fh, thumb=thumb))
            if got is None:
                return None
            _check(path.stat().st_size, limit)
            return await _stored(self.store.put_file, path)


async def _stored(put: Callable[[T], Blob], value: T) -> Blob:
    try:
        return await asyncio.to_thread(put, value)
    except QuotaExceeded as exc:
        raise OverQuota(exc.reason) from exc
    except Exception as exc:  # whatever the backend raises: the file is recorded as not stored, with why
        raise StoreFailed(f"not stored: {type(exc).__name__}: {exc}") from exc


def _check(size: int, limit: int | None) -> None:
    """The declared size can be wrong (or absent): the cap also applies to what actually came."""
    if limit is not None and size > limit:
        raise Oversize(f"{size / MB:.1f} MB downloaded is over the channel's max_media_mb ({limit / MB:g} MB)")

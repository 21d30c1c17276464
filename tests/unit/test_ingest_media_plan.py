"""What the collector downloads under each registry media mode, and the raw copy's canonical JSON."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telethon.tl import types as tl

from dozor.records import Channel
from dozor.settings import load
from ingest.floodgate import FloodGate
from ingest.media import MediaCapture, MediaJob, plan
from ingest.rawjson import canonical, message_copy, raw_copy
from media.settings import MediaSettings
from media.store import StoredBlob, open_store
from tests.support.fakeclient import FakeTelegram, message_from_record

MB = 1024 * 1024


def media(kind: str, size: int, thumbs: bool = False) -> Any:
    spec: dict[str, Any] = {"type": kind, "size": size}
    if kind != "photo":
        spec["mime_type"] = "application/octet-stream"
    message = message_from_record({"channel": {"id": 1}, "message_id": 1, "media": spec})
    if thumbs:
        message.media.document.thumbs = [tl.PhotoStrippedSize("i", b"\x01"), tl.PhotoSize("m", 320, 180, 9000)]
    return message.media


def summary(planned: list[Any]) -> list[tuple[str, str | None]]:
    return [(p.type, p.skip) for p in planned]


VIDEO_ONLY_WITH_ALL = "full videos are downloaded only with media: all"
NO_DOCS = "documents are not downloaded for this channel (media: photos)"


@pytest.mark.parametrize(
    ("mode", "photo", "document", "video"),
    [
        ("none", [], [], []),
        ("photos", [("photo", None)], [("document", NO_DOCS)], [("thumbnail", None), ("video", VIDEO_ONLY_WITH_ALL)]),
        ("documents", [("photo", None)], [("document", None)], [("thumbnail", None), ("video", VIDEO_ONLY_WITH_ALL)]),
        ("all", [("photo", None)], [("document", None)], [("thumbnail", None), ("video", None)]),
    ],
)
def test_modes(mode: Any, photo: list[Any], document: list[Any], video: list[Any]) -> None:
    cap = 20 * MB
    assert summary(plan(media("photo", MB), mode, cap)) == photo
    assert summary(plan(media("document", MB), mode, cap)) == document
    assert summary(plan(media("video", MB, thumbs=True), mode, cap)) == video


def test_sizes_thumbnails_and_files_without_content() -> None:
    over = "21.0 MB is over the channel's max_media_mb (20 MB)"
    assert summary(plan(media("document", 21 * MB), "documents", 20 * MB)) == [("document", over)]
    assert summary(plan(media("voice", 21 * MB), "all", 20 * MB)) == [("voice", over)]
    # A video over the cap still keeps its thumbnail; no real thumbnail (only the blurred one): none.
    big = plan(media("video", 21 * MB, thumbs=True), "all", 20 * MB)
    assert summary(big) == [("thumbnail", None), ("video", over)]
    assert big[0].thumb == "m" and big[0].meta == {"mime": "image/jpeg", "width": 320, "height": 180}
    assert summary(plan(media("animation", MB), "documents", 20 * MB)) == [("animation", VIDEO_ONLY_WITH_ALL)]
    assert plan(tl.MessageMediaWebPage(webpage=tl.WebPageEmpty(id=1)), "all", MB) == []
    assert plan(tl.MessageMediaGeo(geo=tl.GeoPointEmpty()), "all", MB) == []


def test_canonical_json_of_a_telethon_message() -> None:
    record = {
        "channel": {"id": 5},
        "message_id": 3,
        "date": "2026-11-20T08:00:00Z",
        "text": "Приказ №12",
        "media": {"type": "photo", "size": 10},
    }
    message = message_from_record(record)
    copy = message_copy(message)
    assert copy is not None and copy.sha256 == hashlib.sha256(copy.data).hexdigest()
    text = copy.data.decode()
    assert text.startswith('{"_":"Message","date":"2026-11-20T08:00:00+00:00",')  # sorted keys, no spaces
    assert '"message":"Приказ №12"' in text  # not \\u-escaped
    assert '"file_reference":""' in text  # bytes as base64
    assert canonical({"b": b"\x00\xff", "a": datetime(2026, 1, 2, tzinfo=UTC)}) == (
        b'{"a":"2026-01-02T00:00:00+00:00","b":"AP8="}'
    )
    assert raw_copy({"text": "broken \udc80"}) is None  # invalid Unicode: no hash rather than a crash


class BrokenStore:
    """A store whose disk fails (the protocol media.blobs.BlobStore)."""

    def put(self, data: bytes) -> StoredBlob:
        raise RuntimeError("disk on fire")

    def put_file(self, path: Path) -> StoredBlob:
        raise RuntimeError("disk on fire")

    def exists(self, sha: str) -> bool:
        return False


def test_a_store_failure_is_recorded_with_the_reason(tmp_path: Path) -> None:
    fake = FakeTelegram()
    fake.add_channel(1, "c_example", "C")
    message = message_from_record({"channel": {"id": 1}, "message_id": 4, "media": {"type": "photo", "size": 3}})
    fake.add_message(message)
    fake.add_file(message, b"jpg")
    capture = MediaCapture(BrokenStore(), lambda events: asyncio.sleep(0))
    job = MediaJob(fake, FloodGate("a"), fake.channels[1].entity, Channel(id=1), message, "photos", MB, "t:a", "c")

    events = asyncio.run(capture.capture(job))

    assert [(e.item.type, e.item.status, e.item.reason) for e in events] == [
        ("photo", "failed", "not stored: RuntimeError: disk on fire")
    ]
    assert capture.stats == {"failed": 1}


def test_a_file_over_the_store_quota_is_skipped_with_the_reason(tmp_path: Path) -> None:
    fake = FakeTelegram()
    fake.add_channel(1, "c_example", "C")
    message = message_from_record({"channel": {"id": 1}, "message_id": 5, "media": {"type": "photo", "size": 3}})
    fake.add_message(message)
    fake.add_file(message, b"j" * (MB + 1))
    store = open_store(load(MediaSettings, media_url=(tmp_path / "m").as_uri(), media_quota_mb=1))
    capture = MediaCapture(store, lambda events: asyncio.sleep(0))
    job = MediaJob(fake, FloodGate("a"), fake.channels[1].entity, Channel(id=1), message, "photos", 2 * MB, "t:a", "c")

    (event,) = asyncio.run(capture.capture(job))

    assert (event.item.status, event.item.sha256) == ("skipped", None)
    assert event.item.reason is not None and "DOZOR_MEDIA_QUOTA_MB" in event.item.reason
    assert store.usage().objects == 0

"""Media capture by the collector against the real Kafka broker, through the fake client's real Telethon types."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telethon import events
from telethon.errors import FileReferenceExpiredError, FloodWaitError, RPCError

from dozor import kafka as dk
from dozor.records import MediaEvent
from dozor.settings import DozorSettings, load
from ingest import registry as reg
from ingest.checkpoints import CheckpointStore
from ingest.collector import Account, Collector
from ingest.producer import RawSink, prepare_topics
from ingest.rawjson import canonical
from ingest.settings import IngestSettings
from media.settings import MediaSettings
from media.store import BlobStore, open_store
from tests.support.fakeclient import FakeTelegram, message_from_record

pytestmark = pytest.mark.integration

DOCS, PHOTOS, ALL, NONE = 1790000101, 1790000102, 1790000103, 1790000104
MB = 1024 * 1024
REGISTRY = reg.parse(
    {
        "channels": [
            {"channel": DOCS},  # the defaults: photos and documents up to 20 MB, video thumbnails
            {"channel": PHOTOS, "media": "photos"},
            {"channel": ALL, "media": "all", "max_media_mb": 1},
            {"channel": NONE, "media": "none"},
        ]
    },
    "test registry",
)


def jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)).save(out, "JPEG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Channel:
    """Builds one fake channel's messages and the bytes behind their media."""

    def __init__(self, fake: FakeTelegram, channel_id: int) -> None:
        self.fake, self.id = fake, channel_id
        fake.add_channel(channel_id, f"media_{channel_id}_example", f"Channel {channel_id}")

    def post(self, mid: int, media: dict[str, Any] | None = None, data: bytes | None = None, **kw: Any) -> Any:
        record = {
            "channel": {"id": self.id, "username": f"media_{self.id}_example"},
            "message_id": mid,
            "date": f"2026-11-0{1 + mid % 9}T10:00:00Z",
            "text": kw.pop("text", "" if media else f"post {mid}"),
            "media": media,
            **kw,
        }
        message = message_from_record(record)
        self.fake.add_message(message)
        if data is not None:
            self.fake.add_file(message, data)
        return message

    def photo(self, mid: int, data: bytes, **kw: Any) -> Any:
        return self.post(mid, {"type": "photo", "width": 64, "height": 48, "size": len(data)}, data, **kw)

    def doc(self, mid: int, kind: str, size: int, data: bytes | None, thumb: bytes | None = None, **kw: Any) -> Any:
        mime = {"video": "video/mp4", "document": "application/pdf"}[kind]
        message = self.post(mid, {"type": kind, "mime_type": mime, "size": size, "file_name": f"f{mid}"}, **kw)
        if data is not None or thumb is not None:
            self.fake.add_file(message, data or b"", thumb=thumb)
        return message


def settings_for(settings: DozorSettings, **kw: Any) -> IngestSettings:
    return IngestSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, **kw)


def collect(s: IngestSettings, fake: FakeTelegram, store: BlobStore) -> Collector:
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    collector = Collector(s, REGISTRY, [Account("acct", fake)], sink, CheckpointStore(s, sink), store=store)
    try:
        asyncio.run(collector.run(live=False))
    finally:
        sink.close()
    return collector


def read(s: IngestSettings, topic: str) -> list[tuple[int, dict[str, Any]]]:
    """(Kafka timestamp in ms, record) of every record of a topic."""
    return [(r.timestamp, json.loads(r.value)) for r in dk.read_all(s, topic)]


def media_by_key(s: IngestSettings) -> dict[tuple[int, int, str], tuple[int, MediaEvent]]:
    out = {}
    for ts, value in read(s, dk.MEDIA):
        event = MediaEvent.model_validate(value)
        key = (event.channel.id, event.message_id, event.item.type)
        assert key not in out, f"{key} sent twice"
        out[key] = (ts, event)
    return out


def test_media_follow_their_posts_by_registry_mode(settings: DozorSettings, tmp_path: Path) -> None:
    s = settings_for(settings)
    store = open_store(load(MediaSettings, media_url=(tmp_path / "blobs").as_uri()))
    fake = FakeTelegram("acct")
    docs, photos, every, none = (Channel(fake, c) for c in (DOCS, PHOTOS, ALL, NONE))
    docs.post(1)
    docs.photo(2, jpeg(2))
    for mid in (3, 4, 5):  # an album: three messages, one grouped_id
        docs.photo(mid, jpeg(mid), grouped_id=777, text="album caption" if mid == 3 else "")
    docs.doc(6, "video", 5 * MB, b"mp4 bytes", thumb=jpeg(6, (320, 180)))
    docs.doc(7, "document", 2000, b"%PDF-1.4 decree")
    docs.doc(8, "document", 25 * MB, None)  # over the default 20 MB: never downloaded
    docs.photo(9, jpeg(9))
    docs.doc(10, "document", 17 * MB, b"%PDF-1.4 long report")  # big: through a temporary file
    fake.download_failures[(DOCS, 9)] = [RPCError(None, "FILE_MIGRATE_X broken", 500)]
    photos.photo(1, jpeg(11))
    photos.doc(2, "document", 2000, b"%PDF-1.4 other")
    every.doc(1, "video", 300_000, b"small video", thumb=jpeg(21, (320, 180)))
    every.doc(2, "video", 2 * MB, None, thumb=jpeg(22, (320, 180)))  # over this channel's 1 MB
    none.photo(1, jpeg(31))

    collector = collect(s, fake, store)

    posts = {(r["channel"]["id"], r["message_id"]): (ts, r) for ts, r in read(s, dk.RAW)}
    assert len(posts) == 15  # every post, whatever happened to its media
    for (cid, mid), (_, post) in posts.items():
        assert post["collector"] == "telethon:acct"
        raw = canonical(fake.channels[cid].messages[mid].to_dict())
        assert post["raw_sha256"] == sha(raw) and store.get(post["raw_sha256"]) == raw  # the post as collected

    media = media_by_key(s)
    for (cid, mid, _), (ts, event) in media.items():
        assert ts >= posts[(cid, mid)][0]  # a file's event comes after its post
        assert event.collector == "telethon:acct" and event.date is not None
    status = {key: (e.item.status, e.item.reason or "") for key, (_, e) in media.items()}
    stored = {key: e.item.sha256 for key, (_, e) in media.items() if e.item.status == "stored"}
    assert set(status) == {
        *((DOCS, m, "photo") for m in (2, 3, 4, 5, 9)),
        (DOCS, 6, "thumbnail"),
        (DOCS, 6, "video"),
        (DOCS, 7, "document"),
        (DOCS, 8, "document"),
        (DOCS, 10, "document"),
        (PHOTOS, 1, "photo"),
        (PHOTOS, 2, "document"),
        (ALL, 1, "thumbnail"),
        (ALL, 1, "video"),
        (ALL, 2, "thumbnail"),
        (ALL, 2, "video"),
    }  # nothing for text posts, nothing for the channel with media: none
    assert stored == {
        **{(DOCS, m, "photo"): sha(jpeg(m)) for m in (2, 3, 4, 5)},
        (DOCS, 6, "thumbnail"): sha(jpeg(6, (320, 180))),
        (DOCS, 7, "document"): sha(b"%PDF-1.4 decree"),
        (DOCS, 10, "document"): sha(b"%PDF-1.4 long report"),
        (PHOTOS, 1, "photo"): sha(jpeg(11)),
        (ALL, 1, "thumbnail"): sha(jpeg(21, (320, 180))),
        (ALL, 1, "video"): sha(b"small video"),
        (ALL, 2, "thumbnail"): sha(jpeg(22, (320, 180))),
    }
    assert all(store.get(digest) for digest in stored.values())
    assert {media[(DOCS, m, "photo")][1].grouped_id for m in (3, 4, 5)} == {777}  # the album stays grouped
    assert media[(DOCS, 2, "photo")][1].grouped_id is None
    video = media[(DOCS, 6, "video")][1].item
    assert status[(DOCS, 6, "video")] == ("skipped", "full videos are downloaded only with media: all")
    assert video.thumb_sha256 == sha(jpeg(6, (320, 180))) and (video.width, video.height) == (640, 360)
    assert status[(DOCS, 8, "document")] == ("skipped", "25.0 MB is over the channel's max_media_mb (20 MB)")
    assert status[(DOCS, 9, "photo")][0] == "failed" and "FILE_MIGRATE_X" in status[(DOCS, 9, "photo")][1]
    assert status[(PHOTOS, 2, "document")] == (
        "skipped",
        "documents are not downloaded for this channel (media: photos)",
    )
    assert status[(ALL, 2, "video")] == ("skipped", "2.0 MB is over the channel's max_media_mb (1 MB)")
    assert media[(ALL, 2, "video")][1].item.thumb_sha256 == sha(jpeg(22, (320, 180)))
    assert collector.stats.media == Counter({"stored": 11, "skipped": 4, "failed": 1})
    assert "media files: 1 failed, 4 skipped, 11 stored" in collector.stats.summary()


def test_expired_file_reference_refetches_the_message_once(settings: DozorSettings, tmp_path: Path) -> None:
    s = settings_for(settings)
    store = open_store(load(MediaSettings, media_url=(tmp_path / "blobs").as_uri()))
    fake = FakeTelegram("acct")
    docs = Channel(fake, DOCS)
    docs.photo(1, jpeg(1))
    docs.doc(2, "document", 2000, b"%PDF-1.4 signed order")
    docs.photo(3, jpeg(3))
    fake.expire_on_download |= {(DOCS, 1), (DOCS, 2)}  # expired since the messages were fetched
    # Expired even after the refetch: tried once more only, then recorded as failed.
    fake.download_failures[(DOCS, 3)] = [FileReferenceExpiredError(None), FileReferenceExpiredError(None)]

    collect(s, fake, store)

    media = media_by_key(s)
    assert media[(DOCS, 1, "photo")][1].item.sha256 == sha(jpeg(1))
    assert media[(DOCS, 2, "document")][1].item.sha256 == sha(b"%PDF-1.4 signed order")
    failed = media[(DOCS, 3, "photo")][1].item
    assert failed.status == "failed" and failed.reason and failed.reason.startswith("FileReferenceExpiredError")
    calls = Counter(op for _, op, _ in fake.calls)
    assert calls["get_messages"] == 1 + 3  # the newest-message probe, then one refetch per expired message
    assert calls["download_media"] == 3 * 2
    assert {r["message_id"] for _, r in read(s, dk.RAW)} == {1, 2, 3}


def test_floodwait_on_a_download_pauses_the_account(settings: DozorSettings, tmp_path: Path) -> None:
    s = settings_for(settings, checkpoint_every=10)
    store = open_store(load(MediaSettings, media_url=(tmp_path / "blobs").as_uri()))
    fake = FakeTelegram("acct")
    docs = Channel(fake, DOCS)
    for mid in range(1, 31):
        if mid == 2:
            docs.photo(mid, jpeg(mid))
        else:
            docs.post(mid)
    fake.download_failures[(DOCS, 2)] = [FloodWaitError(request=None, capture=1)]

    collector = collect(s, fake, store)

    gate = collector.accounts[0].gate
    assert gate.waits == [(f"{DOCS} message 2 photo", 1)]
    downloads = [t for t, op, _ in fake.calls if op == "download_media"]
    assert len(downloads) == 2 and downloads[1] - downloads[0] >= 0.95  # retried after the wait
    ts = {r["message_id"]: t for t, r in read(s, dk.RAW)}
    # The download's FloodWait came while the first batch was checkpointed: the next batch's text waited too.
    assert ts[11] - ts[10] >= 900
    assert media_by_key(s)[(DOCS, 2, "photo")][1].item.sha256 == sha(jpeg(2))
    assert len(ts) == 30


def test_live_post_then_its_media(settings: DozorSettings, tmp_path: Path) -> None:
    s = settings_for(settings)
    store = open_store(load(MediaSettings, media_url=(tmp_path / "blobs").as_uri()))
    fake = FakeTelegram("acct")
    docs = Channel(fake, DOCS)
    docs.post(1)

    async def scenario() -> Collector:
        prepare_topics(s)
        sink = RawSink(s, stage="ingest.collect")
        collector = Collector(s, REGISTRY, [Account("acct", fake)], sink, CheckpointStore(s, sink), store=store)
        task = asyncio.create_task(collector.run(live=True))
        while not fake.handlers:
            await asyncio.sleep(0.05)
        live = docs.photo(2, jpeg(2))
        await fake.emit(events.NewMessage.Event(live))
        edited = docs.photo(2, jpeg(2), edit_date="2026-11-03T11:00:00Z", text="caption added")
        await fake.emit(events.MessageEdited.Event(edited))  # a text edit: the photo is not fetched again
        collector.stop()
        await task  # the stop waits for the media already queued
        sink.close()
        return collector

    collector = asyncio.run(scenario())
    posts = {(r["message_id"], r["event"]): ts for ts, r in read(s, dk.RAW)}
    media = media_by_key(s)
    assert list(media) == [(DOCS, 2, "photo")] and media[(DOCS, 2, "photo")][1].item.sha256 == sha(jpeg(2))
    assert media[(DOCS, 2, "photo")][0] >= posts[(2, "new")]
    assert collector.stats.media == Counter({"stored": 1})

"""The OCR stage over posts.media records: text and hash for readable images, a status and a reason for bad
ones, nothing for items without an image, the DLQ for broken records, backpressure for an unreachable store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dozor.records import Channel, MediaItem
from dozor.stream import Backpressure, Message
from enrich.language import detect
from enrich.pipeline import default_enricher
from media.ocr import OcrEngine
from media.ocr_records import MEDIA_OCR
from media.ocr_stage import OcrStage, language_hints, target
from media.settings import MediaSettings
from media.store import BlobStore, open_store
from tests.support import bad_images as bad
from tests.support import ocr_corpus as corpus


@pytest.fixture(scope="module")
def engine() -> Iterator[OcrEngine]:
    with OcrEngine(detect) as engine:
        yield engine


@pytest.fixture()
def blobs(tmp_path: Path) -> BlobStore:
    """The real local blob store (media.store), in a temporary directory."""
    return open_store(MediaSettings(media_url=(tmp_path / "blobs").as_uri()))


@pytest.fixture()
def stage(blobs: BlobStore, engine: OcrEngine) -> OcrStage:
    return OcrStage(blobs, engine, default_enricher().fields, language_hints({"100": ["ru"]}))


def put(blobs: BlobStore, data: bytes) -> str:
    return blobs.put(data).sha256


SUMMONS = corpus.render(next(d for d in corpus.documents() if d.id == "ru-summons"), max_lines=2)


def event(item: dict[str, Any], channel_id: int = 100, message_id: int = 7) -> dict[str, Any]:
    return {
        "schema": 1,
        "channel": {"id": channel_id, "username": "notices", "country": "RU"},
        "message_id": message_id,
        "grouped_id": None,
        "item": item,
        "collected_at": "2026-12-01T10:00:00Z",
    }


def photo(sha: str, **extra: Any) -> dict[str, Any]:
    return {"sha256": sha, "type": "photo", "status": "stored", "mime": "image/jpeg", **extra}


def test_a_photographed_summons_is_read_hashed_and_enriched(stage: OcrStage, blobs: BlobStore) -> None:
    out = stage.process(event(photo(put(blobs, SUMMONS.data), file_name="p.png", mime="image/png")))
    assert out is not None
    item = out["item"]
    assert item["status"] == "stored" and item["reason"] is None
    assert len(item["phash"]) == 16 and item["width"] == 1000
    assert corpus.cer(SUMMONS.truth, item["ocr_text"]) <= 0.05
    assert item["ocr_lang"] == "ru" and out["ocr_script"] == "Cyrl"
    assert "mobilization" in out["ocr_topics"]
    assert corpus.findable("повестка", out["ocr_stem"]) and corpus.findable("воинской", out["ocr_stem"])
    assert out["ocr_packs"] == ["rus"] and out["ocr_confidence"] > 80
    assert (out["channel"]["id"], out["message_id"], out["schema"]) == (100, 7, 1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bad.png_bomb(), "decompression bomb: the header declares 2,500,000,000 pixels"),
        (b"\x00", "not an image: unrecognised bytes"),
        (bad.truncated(bad.photo()), "corrupt or truncated image"),
        (bad.windows_exe(), "not an image: the bytes are application/x-msdownload (.exe) named 'IMG_1.jpg'"),
    ],
)
def test_bad_images_are_rejected_with_a_reason_and_the_event_goes_on(
    stage: OcrStage, blobs: BlobStore, data: bytes, reason: str
) -> None:
    out = stage.process(event(photo(put(blobs, data), file_name="IMG_1.jpg")))
    assert out is not None
    assert out["item"]["status"] == "rejected" and out["item"]["reason"].startswith(reason)
    assert out["item"]["ocr_text"] is None and out["item"]["phash"] is None and out["ocr_stem"] == ""


def test_a_name_that_lies_is_noted_and_the_image_still_read(stage: OcrStage, blobs: BlobStore) -> None:
    out = stage.process(event(photo(put(blobs, SUMMONS.data), file_name="scan.jpg")))
    assert out is not None and out["item"]["status"] == "stored"
    assert out["item"]["reason"] == (
        "the name 'scan.jpg' says image/jpeg and the sender says image/jpeg but the bytes are PNG; read as PNG"
    )
    assert "ПОВЕСТКА" in out["item"]["ocr_text"]


def test_a_blob_missing_from_the_store(stage: OcrStage) -> None:
    out = stage.process(event(photo("ab" * 32)))
    assert out is not None and out["item"]["status"] == "missing"
    assert out["item"]["reason"] == f"blob {'ab' * 32} is not in the media store"


def test_a_video_is_read_through_its_thumbnail(stage: OcrStage, blobs: BlobStore) -> None:
    video = {"sha256": "cd" * 32, "type": "video", "status": "stored", "thumb_sha256": put(blobs, SUMMONS.data)}
    out = stage.process(event(video))
    assert out is not None and out["item"]["status"] == "stored" and "ПОВЕСТКА" in out["item"]["ocr_text"]
    bomb_thumb = {**video, "thumb_sha256": put(blobs, bad.png_bomb())}
    out = stage.process(event(bomb_thumb))
    assert out is not None and out["item"]["status"] == "stored"  # the video itself is fine
    assert out["item"]["reason"].startswith("thumbnail rejected: decompression bomb")


@pytest.mark.parametrize(
    "item",
    [
        {"sha256": "ef" * 32, "type": "audio", "status": "stored", "mime": "audio/ogg"},
        {"sha256": "ef" * 32, "type": "document", "status": "stored", "mime": "application/pdf"},
        {"sha256": None, "type": "photo", "status": "failed", "reason": "FILE_REFERENCE_EXPIRED"},
        {"sha256": "ef" * 32, "type": "video", "status": "stored"},
    ],
)
def test_items_without_an_image_produce_nothing(stage: OcrStage, item: dict[str, Any]) -> None:
    assert target(MediaItem.model_validate(item)) is None
    assert stage.process(event(item)) is None


def test_the_batch_stage_routes_outputs_and_rejects(stage: OcrStage, blobs: BlobStore) -> None:
    values = [
        json.dumps(event(photo(put(blobs, bad.png_bomb())))).encode(),
        b"{not json",
        json.dumps(event({"type": "photo"})).encode(),
        json.dumps(event({"sha256": None, "type": "audio", "status": "skipped"})).encode(),
    ]
    result = stage([Message(value=v, topic="posts.media", offset=i) for i, v in enumerate(values)])
    assert [o.topic for o in result.outputs] == [MEDIA_OCR.name]
    assert result.outputs[0].key == b"100"
    assert json.loads(result.outputs[0].value)["item"]["status"] == "rejected"
    reasons = [r.reason for r in result.rejected]
    assert len(reasons) == 2 and all("\n" not in r for r in reasons)
    assert reasons[1] == "invalid posts.media record: item.status: Field required"


class Unreachable:
    def get(self, sha256: str) -> bytes:
        raise ConnectionRefusedError(111, "Connection refused")


def test_an_unreachable_store_is_backpressure(engine: OcrEngine) -> None:
    stage = OcrStage(Unreachable(), engine, default_enricher().fields)
    with pytest.raises(Backpressure, match="media store unreachable"):
        stage([Message(value=json.dumps(event(photo("ab" * 32))).encode())])


def test_a_blob_that_no_longer_matches_its_hash_is_failed(stage: OcrStage, blobs: BlobStore, tmp_path: Path) -> None:
    sha = put(blobs, SUMMONS.data)
    (tmp_path / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha).write_bytes(b"tampered")
    out = stage.process(event(photo(sha)))
    assert out is not None and out["item"]["status"] == "failed" and "does not match its hash" in out["item"]["reason"]


def test_language_hints_prefer_the_record_then_registry_then_country() -> None:
    hints = language_hints({"100": ["ky"], "notices": ["tg"]}, default=["en"])
    assert hints(Channel.model_validate({"id": 1, "languages": ["uz"]})) == ["uz"]
    assert hints(Channel(id=100)) == ["ky"]
    assert hints(Channel(id=5, username="Notices")) == ["tg"]
    assert hints(Channel(id=5, country="KZ")) == ["kk", "ru"]
    assert hints(Channel(id=5)) == ["en"]

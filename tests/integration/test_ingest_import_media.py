"""`dozor import result.json` stores the media files a Telegram Desktop export holds, as the collector would."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.main import app, build
from dozor import kafka as dk
from dozor.records import MediaEvent
from dozor.settings import DozorSettings, load
from ingest.rawjson import canonical
from media.settings import MediaSettings
from media.store import open_store

pytestmark = pytest.mark.integration

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"

build()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def jpeg(seed: int, size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed * 40 % 256, 90, seed * 70 % 256)).save(out, "JPEG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(mid: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": mid,
        "type": "message",
        "date": "2026-10-22T16:00:00",
        "date_unixtime": str(1792684800 + mid),
        "from": "Example",
        "from_id": "channel1790000200",
        "text": "",
        "text_entities": [],
        **fields,
    }


def test_export_with_its_files(env_settings: DozorSettings, tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport_2026-10-23"
    files = {
        "photos/photo_1@22-10-2026_16-00-00.jpg": jpeg(1),
        "video_files/recruitment.mp4": b"\x00\x00\x00\x18ftypmp42 a short video",
        "video_files/recruitment.mp4_thumb.jpg": jpeg(2, (320, 180)),
        "files/decree_1432.pdf": b"%PDF-1.4 decree 1432",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (tmp_path / "outside.jpg").write_bytes(jpeg(3))
    video = {"media_type": "video_file", "mime_type": "video/mp4", "duration_seconds": 12, "width": 1280}
    sticker = {"media_type": "sticker", "mime_type": "image/webp", "file_size": 20_000, "thumbnail": NOT_INCLUDED}
    messages = [
        entry(1, photo="photos/photo_1@22-10-2026_16-00-00.jpg", photo_file_size=999, width=60, height=40),
        entry(2, file="video_files/recruitment.mp4", thumbnail="video_files/recruitment.mp4_thumb.jpg", **video),
        entry(3, photo=NOT_INCLUDED, photo_file_size=39_980, width=420, height=600),
        entry(4, file="files/decree_1432.pdf", file_name="decree_1432.pdf", mime_type="application/pdf"),
        entry(5, file="files/gone.pdf", file_name="gone.pdf", mime_type="application/pdf"),
        entry(6, photo="../outside.jpg"),
        entry(7, text="Text only"),
        {"id": 8, "type": "service", "action": "pin_message", "date": "2026-10-22T16:00:08"},
        entry(9, file=NOT_INCLUDED, **sticker),
    ]
    export = folder / "result.json"
    export.write_text(json.dumps({"name": "Example", "type": "public_channel", "id": 1790000200, "messages": messages}))

    code, out = run("import", str(export))

    assert code == 0, out
    assert "8 records sent to posts.raw, 0 skipped (sent to posts.dlq); not posts, left out: 1 service message" in out
    assert "media files: 4 stored, 4 missing, 1 rejected" in out
    store = open_store(load(MediaSettings, media_url=(tmp_path / "media").as_uri()))  # DOZOR_MEDIA_URL of env_settings
    settings = DozorSettings(topic_prefix=env_settings.topic_prefix)
    posts = {
        json.loads(r.value)["message_id"]: (r.timestamp, json.loads(r.value)) for r in dk.read_all(settings, dk.RAW)
    }
    by_id = {m["id"]: m for m in messages}
    for mid, (_, post) in posts.items():
        raw = canonical(by_id[mid])  # the entry as read
        assert post["collector"] == "import:tdesktop" and post["raw_sha256"] == sha(raw)
        assert store.get(post["raw_sha256"]) == raw

    media: dict[tuple[int, str], MediaEvent] = {}
    for record in dk.read_all(settings, dk.MEDIA):
        event = MediaEvent.model_validate_json(record.value)
        assert record.key == b"1790000200" and record.timestamp >= posts[event.message_id][0]
        assert event.collector == "import:tdesktop"
        media[(event.message_id, event.item.type)] = event
    status = {key: (e.item.status, e.item.sha256, e.item.reason) for key, e in media.items()}
    assert status == {
        (1, "photo"): ("stored", sha(files["photos/photo_1@22-10-2026_16-00-00.jpg"]), None),
        (2, "thumbnail"): ("stored", sha(files["video_files/recruitment.mp4_thumb.jpg"]), None),
        (2, "video"): ("stored", sha(files["video_files/recruitment.mp4"]), None),
        (3, "photo"): ("missing", None, "not in the export: " + NOT_INCLUDED[1:-1]),
        (4, "document"): ("stored", sha(files["files/decree_1432.pdf"]), None),
        (5, "document"): ("missing", None, "files/gone.pdf: no such file beside the export"),
        (6, "photo"): ("rejected", None, "../outside.jpg: path leads outside the export folder"),
        (9, "thumbnail"): ("missing", None, "not in the export: " + NOT_INCLUDED[1:-1]),
        (9, "sticker"): ("missing", None, "not in the export: " + NOT_INCLUDED[1:-1]),
    }
    for event in media.values():
        if event.item.sha256:
            assert sha(store.get(event.item.sha256)) == event.item.sha256  # the file itself, in the store
    photo = media[(1, "photo")].item
    assert (photo.width, photo.height, photo.size, photo.mime) == (60, 40, len(jpeg(1)), "image/jpeg")  # size as stored
    assert media[(2, "video")].item.thumb_sha256 == media[(2, "thumbnail")].item.sha256
    assert (media[(4, "document")].item.file_name, media[(4, "document")].item.mime) == (
        "decree_1432.pdf",
        "application/pdf",
    )
    assert media[(3, "photo")].item.size == 39_980  # what the export says of a file it left out

    # Importing again stores nothing new and sends the same events again (idempotent downstream).
    objects = sorted(p.name for p in (tmp_path / "media").rglob("*") if p.is_file())
    code, out = run("import", str(export))
    assert code == 0 and "media files: 4 stored, 4 missing, 1 rejected" in out
    assert sorted(p.name for p in (tmp_path / "media").rglob("*") if p.is_file()) == objects


def test_real_export_without_its_files(env_settings: DozorSettings, realdata: Path) -> None:
    export = realdata / "exports" / "pachum_channel_ru.json"
    messages = json.loads(export.read_bytes())["messages"]
    posts = [m for m in messages if m.get("type") == "message"]
    named = Counter(k for m in posts for k in ("photo", "file", "thumbnail") if isinstance(m.get(k), str))

    code, out = run("import", str(export))

    assert code == 0, out
    missing = sum(named.values())
    assert f"{len(posts)} records sent to posts.raw" in out
    assert f"media files: 0 stored, {missing} missing" in out
    settings = DozorSettings(topic_prefix=env_settings.topic_prefix)
    events = [MediaEvent.model_validate_json(r.value) for r in dk.read_all(settings, dk.MEDIA)]
    assert len(events) == missing and {e.item.status for e in events} == {"missing"}
    assert Counter(e.item.type for e in events)["thumbnail"] == named["thumbnail"]
    print(f"real export: {len(posts)} posts; media files missing: {missing} ({dict(named)})")

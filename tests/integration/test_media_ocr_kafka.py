"""The OCR stage under the stage runner on the real broker, as consumer group `ocr`: posts.media in,
posts.media.ocr out (a bad image included, with its reason), broken records to the DLQ, offsets committed."""

from __future__ import annotations

import json
from pathlib import Path

from dozor import kafka as dk
from dozor.kafka import MEDIA
from dozor.settings import DozorSettings
from dozor.stream import StageRunner
from enrich.language import detect
from enrich.pipeline import default_enricher
from media.ocr import OcrEngine
from media.ocr_records import MEDIA_OCR
from media.ocr_stage import STAGE_NAME, OcrStage, language_hints
from media.settings import MediaSettings
from media.store import open_store
from tests.support import bad_images as bad
from tests.support import ocr_corpus as corpus


def test_ocr_stage_drains_posts_media(settings: DozorSettings, tmp_path: Path) -> None:
    blobs = open_store(MediaSettings(media_url=(tmp_path / "blobs").as_uri()))
    doc = next(d for d in corpus.documents() if d.id == "kk-summons")
    notice = corpus.render(doc, max_lines=2)

    def record(message_id: int, sha: str) -> bytes:
        item = {"sha256": sha, "type": "photo", "status": "stored", "mime": "image/jpeg"}
        channel = {"id": 42, "username": "kz_notices", "country": "KZ"}
        return json.dumps({"schema": 1, "channel": channel, "message_id": message_id, "item": item}).encode()

    dk.ensure_topics(settings, [MEDIA, MEDIA_OCR.name, dk.DLQ])
    producer = dk.producer(settings)
    for value in (record(1, blobs.put(notice.data).sha256), record(2, blobs.put(bad.png_bomb()).sha256), b"[1, 2]"):
        producer.send(settings.topic(MEDIA), value=value, key=b"42")
    producer.flush()
    producer.close()

    with OcrEngine(detect) as engine:
        stage = OcrStage(blobs, engine, default_enricher().fields, language_hints())
        stats = StageRunner(STAGE_NAME, settings, MEDIA, stage, max_batch=8).drain()
        assert (stats.consumed, stats.produced, stats.rejected) == (3, 2, 1)
        again = StageRunner(STAGE_NAME, settings, MEDIA, stage, max_batch=8).drain()
        assert again.consumed == 0  # committed under the group

    out = {json.loads(r.value)["message_id"]: json.loads(r.value) for r in dk.read_all(settings, MEDIA_OCR.name)}
    read = out[1]
    assert read["item"]["ocr_lang"] == "kk" and read["ocr_packs"][0] == "kaz"  # KZ channel: Kazakh first
    assert corpus.cer(notice.truth, read["item"]["ocr_text"]) <= 0.05
    assert corpus.findable("шақыру", read["ocr_stem"])
    assert out[2]["item"]["status"] == "rejected" and out[2]["item"]["reason"].startswith("decompression bomb")
    dlq = dk.read_all(settings, dk.DLQ)
    assert [r.value for r in dlq] == [b"[1, 2]"]
    assert dict(dlq[0].headers)[dk.H_STAGE] == b"ocr"

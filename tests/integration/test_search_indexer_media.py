"""The indexer over posts.enriched, posts.media and posts.media.ocr on the real broker and node: media
before its post, a re-sent `new` and an edit keep the media list; image text is searched; a bad media
record goes to the DLQ."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from enrich.analysis import analyze, normalize
from search import service
from search.filters import SearchFilters
from search.media import MEDIA_OCR
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce, read_topic

pytestmark = pytest.mark.integration

SHA = "5e" * 32
PHASH = "c3d2e1f0a5b49687"
OCR_TEXT = "УКАЗ о призыве граждан на военные сборы"
CHANNEL = {"id": 7, "username": "test_channel", "title": "Test", "category": "official", "country": "RU"}


def media_event(**item: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "channel": CHANNEL,
        "message_id": 1,
        "date": "2026-10-05T10:00:00Z",
        "item": {"sha256": SHA, "type": "photo", "status": "stored", "mime": "image/jpeg", "size": 5000, **item},
        "collector": "import:tdesktop",
        "collected_at": "2026-10-05T10:01:00Z",
    }


def ocr_event() -> dict[str, Any]:
    return {
        **media_event(phash=PHASH, ocr_text=OCR_TEXT, ocr_lang="ru", width=800, height=600),
        "ocr_norm": normalize(OCR_TEXT, "ru"),
        "ocr_stem": " ".join(analyze(OCR_TEXT, "ru")),
        "ocr_topic_hits": {"mobilization": ["призыве"]},
    }


def post(event: str = "new", text: str = "Новое объявление", **kw: Any) -> dict[str, Any]:
    record = enriched(7, 1, text, "ru", event=event, date="2026-10-05T10:00:00Z", category="official", **kw)
    record["media"] = {"type": "photo", "width": 800, "height": 600, "size": 5000}
    return record


def hits(es: Elasticsearch, ss: SearchSettings, query: str, **filters: Any) -> list[dict[str, Any]]:
    return service.search(es, ss, query, SearchFilters(**filters), limit=10).hits


def test_media_before_its_post_then_new_resent_and_edit(ss: SearchSettings, es: Elasticsearch) -> None:
    produce(ss, dk.MEDIA, [media_event()])
    produce(ss, MEDIA_OCR, [ocr_event()])
    stats, _ = drain_index(ss)
    assert stats.consumed == 2 and stats.rejected == 0
    stub = service.get_post(es, ss, "tg:7:1")
    assert stub is not None and stub["text"] == "" and stub["media"][0]["ocr_text"] == OCR_TEXT

    produce(ss, dk.ENRICHED, [post()])
    drain_index(ss)
    produce(
        ss,
        dk.ENRICHED,
        [post(views=500), post("edit", "Объявление изменено", edit_date="2026-10-05T12:00:00Z", views=500)],
    )
    drain_index(ss)

    found = service.get_post(es, ss, "tg:7:1")
    assert found is not None and found["text"] == "Объявление изменено" and found["views"] == 500
    assert found["media"] == [
        {
            "sha256": SHA,
            "type": "photo",
            "status": "stored",
            "mime": "image/jpeg",
            "size": 5000,
            "width": 800,
            "height": 600,
            "phash": PHASH,
            "ocr_text": OCR_TEXT,
            "ocr_lang": "ru",
        }
    ]
    assert "mobilization" in found["topics"]  # the image's topic, kept by the edit

    # Image text is searched like post text; `ocr:` only there; `text:` only the post.
    assert [h["id"] for h in hits(es, ss, "призыв")] == ["tg:7:1"]
    assert [h["id"] for h in hits(es, ss, '"военные сборы"')] == ["tg:7:1"]
    assert [h["id"] for h in hits(es, ss, "ocr:призыв")] == ["tg:7:1"]
    assert hits(es, ss, "ocr:объявление") == [] and hits(es, ss, "text:призыве") == []
    assert [h["id"] for h in hits(es, ss, "*", has_media=True, media_type=["photo"])] == ["tg:7:1"]
    near = f"{int(PHASH, 16) ^ 0b101:016x}"  # two bits away
    assert [h["id"] for h in hits(es, ss, f"phash:{near}")] == ["tg:7:1"]
    assert [h["id"] for h in hits(es, ss, "*", phash=near)] == ["tg:7:1"]
    assert hits(es, ss, "*", has_media=False) == []


def test_a_bad_media_record_goes_to_the_dlq(ss: SearchSettings, es: Elasticsearch) -> None:
    produce(ss, dk.MEDIA, [{"channel": CHANNEL, "message_id": 2, "item": {"type": "photo", "status": "lost"}}])
    stats, _ = drain_index(ss)
    assert stats.rejected == 1
    [dead] = read_topic(ss, dk.DLQ)
    reason = dict(dead.headers)[dk.H_ERROR].decode()
    assert reason.startswith("invalid posts.media record") and "status" in reason

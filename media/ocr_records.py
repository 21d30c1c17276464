"""What the OCR stage writes: ``posts.media.ocr``, the ``posts.media`` event (dozor.records.MediaEvent) with its
item's ``phash``/``ocr_text``/``ocr_lang`` filled in and the image text enriched like post text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from dozor.records import MediaEvent, utcnow
from dozor.topics import Topic


class OcrEvent(MediaEvent):
    """``ocr_norm``/``ocr_stem`` are what search matches image text on; ``ocr_topics`` fire rules like post topics."""

    ocr_script: str = "Zyyy"
    ocr_lang_score: float = 0.0
    ocr_norm: str = ""
    ocr_stem: str = ""
    ocr_topics: list[str] = Field(default_factory=list)
    ocr_topic_hits: dict[str, list[str]] = Field(default_factory=dict)
    ocr_entities: Any = Field(default_factory=dict)  # the enricher's entities, in whatever shape it gives them
    ocr_confidence: float = 0.0  # Tesseract's mean word confidence, 0-100
    ocr_packs: list[str] = Field(default_factory=list)
    ocr_at: datetime = Field(default_factory=utcnow)


MEDIA_OCR = Topic("posts.media.ocr", OcrEvent)

"""The records the OCR stage reads (``posts.media``) and writes (``posts.media.ocr``), per PLAN.md's contract.

``MediaItem``/``MediaEvent`` mirror the capture's models field for field (the capture branch owns them; when
both land, this module keeps only :class:`OcrEvent` and imports the rest). Extra keys are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from dozor.records import Channel, as_utc, utcnow

MEDIA = "posts.media"
MEDIA_OCR = "posts.media.ocr"

MediaStatus = Literal["stored", "skipped", "missing", "failed", "rejected"]
SHA256 = r"^[0-9a-f]{64}$"
PHASH = r"^[0-9a-f]{16}$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class MediaItem(_Record):
    sha256: str | None = Field(None, pattern=SHA256)
    type: str  # photo | video | document | audio | voice | sticker | animation | thumbnail | ...
    status: MediaStatus
    reason: str | None = None
    mime: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    file_name: str | None = None
    thumb_sha256: str | None = Field(None, pattern=SHA256)
    phash: str | None = Field(None, pattern=PHASH)
    ocr_text: str | None = None
    ocr_lang: str | None = None


class MediaEvent(_Record):
    schema_: Literal[1] = Field(1, alias="schema")
    channel: Channel
    message_id: StrictInt
    grouped_id: int | None = None
    item: MediaItem
    collected_at: datetime = Field(default_factory=utcnow)

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @field_validator("collected_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value) or value

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)


class OcrEvent(MediaEvent):
    """``posts.media.ocr``: the media event, its item with ``phash``/``ocr_text``/``ocr_lang`` filled in, and the
    image text enriched like post text (``ocr_norm``/``ocr_stem`` are searched; ``ocr_topics`` fire rules)."""

    ocr_script: str = "Zyyy"
    ocr_lang_score: float = 0.0
    ocr_norm: str = ""
    ocr_stem: str = ""
    ocr_topics: list[str] = Field(default_factory=list)
    ocr_topic_hits: dict[str, list[str]] = Field(default_factory=dict)
    ocr_entities: Any = Field(default_factory=list)  # the enricher's entities, whatever shape it gives them
    ocr_confidence: float = 0.0  # Tesseract's mean word confidence, 0-100
    ocr_packs: list[str] = Field(default_factory=list)
    ocr_at: datetime = Field(default_factory=utcnow)

"""Settings of the OCR stage (env prefix DOZOR_, like every service)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from dozor.settings import DozorSettings
from media import ocr_langs
from media.images import Limits
from media.ocr import OcrOptions


class OcrSettings(DozorSettings):
    ocr_tessdata: Path | None = Field(
        None, description="directory of Tesseract *.traineddata (default: Debian's /usr/share/tesseract-ocr/5/tessdata)"
    )
    ocr_languages: list[str] = Field(
        list(ocr_langs.DEFAULT_LANGUAGES),
        description="languages to read images in when the channel's registry entry and country name none (JSON list)",
    )
    ocr_max_packs: int = Field(ocr_langs.DEFAULT_MAX_PACKS, ge=1, le=4, description="Tesseract packs per call")
    ocr_min_line_conf: float = Field(
        50.0, ge=0, le=100, description="text lines whose mean word confidence is lower are dropped (page edges, junk)"
    )
    ocr_min_word_conf: float = Field(20.0, ge=0, le=100, description="words Tesseract is less sure of are dropped")
    ocr_timeout_s: float = Field(60.0, gt=0, le=3600, description="seconds one recognition may take")
    ocr_max_image_mb: float = Field(30.0, gt=0, description="larger files are not opened")
    ocr_max_pixels: int = Field(36_000_000, ge=1_000_000, description="images declaring more pixels are refused")
    ocr_batch: int = Field(8, ge=1, le=200, description="images per batch (keep a batch well under a minute)")
    registry: Path = Field(Path("channels.yaml"), description="channel registry YAML (languages per channel)")

    @field_validator("ocr_languages")
    @classmethod
    def _langs(cls, value: list[str]) -> list[str]:
        bad = [lang for lang in value if not ocr_langs.supported(lang)]
        if bad or not value:
            known = sorted({code for code, _ in ocr_langs.PACKS})
            raise ValueError(f"{bad or value} cannot be read; use ISO 639-1 codes among {known}")
        return value

    def ocr_options(self) -> OcrOptions:
        return OcrOptions(
            tessdata=self.ocr_tessdata,
            max_packs=self.ocr_max_packs,
            min_line_conf=self.ocr_min_line_conf,
            min_word_conf=self.ocr_min_word_conf,
            timeout_ms=int(self.ocr_timeout_s * 1000),
        )

    def image_limits(self) -> Limits:
        return Limits(max_bytes=int(self.ocr_max_image_mb * 2**20), max_pixels=self.ocr_max_pixels)

"""`dozor ocr [--drain]`: the OCR stage over Kafka (posts.media -> posts.media.ocr, consumer group `ocr`).

The stage lives in media/ocr_stage.py; it is assembled here because it joins three packages that may not import
each other (docs/architecture.md's layers): media (store, images, Tesseract), enrich (the enricher, the language
detector) and ingest (the registry's languages per channel)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor import kafka as dk
from dozor import metrics
from dozor.cli_support import MetricsPort, run_command
from dozor.settings import load
from dozor.stream import StageRunner

if TYPE_CHECKING:  # the engine loads libtesseract: only the `ocr` command imports it
    from media.ocr_settings import OcrSettings
    from media.ocr_stage import BlobSource, OcrStage

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add `dozor ocr` to the app."""
    app.command("ocr")(ocr)


def ocr(
    drain: Annotated[
        bool, typer.Option("--drain", help="consume posts.media up to the end offsets seen at start, commit, exit")
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """Read the text inside stored images and hash them (posts.media -> posts.media.ocr)."""

    def body() -> int:
        from media.ocr_records import MEDIA_OCR
        from media.ocr_settings import OcrSettings
        from media.settings import MediaSettings
        from media.store import open_store

        settings = load(OcrSettings)
        store = open_store(load(MediaSettings))
        if metrics.start(settings, metrics_port):
            metrics.watch_store(store.usage)
        stage = build_stage(settings, store)
        runner = StageRunner("ocr", settings, dk.MEDIA, stage, max_batch=settings.ocr_batch)
        dk.ensure_topics_waiting(settings, [MEDIA_OCR.name, dk.DLQ], wait=not drain)
        result = runner.drain() if drain else runner.run_forever()
        print(f"ocr: {result.summary()}", file=sys.stderr)
        return 0

    run_command(body)


def build_stage(settings: OcrSettings, blobs: BlobSource) -> OcrStage:
    """The OCR stage from settings: engine, enricher, the registry's languages per channel."""
    from enrich.language import detect
    from enrich.pipeline import default_enricher
    from media.ocr import OcrEngine
    from media.ocr_stage import OcrStage, language_hints

    return OcrStage(
        blobs,
        OcrEngine(detect, settings.ocr_options()),
        default_enricher().fields,
        language_hints(registry_languages(settings.registry), settings.ocr_languages),
        settings.image_limits(),
    )


def registry_languages(path: Path) -> dict[str, list[str]]:
    """Languages per channel (keys: id as a string, lowercase username) from the registry, when there is one."""
    from ingest import registry

    if not path.is_file():
        return {}
    languages: dict[str, list[str]] = {}
    for entry in registry.load(path).channels:
        if entry.languages:
            key = str(entry.channel_id) if entry.channel_id is not None else (entry.username or "").lower()
            languages[key] = list(entry.languages)
    return languages

"""The OCR stage: ``posts.media`` -> ``posts.media.ocr`` (consumer group ``ocr``; never on the text path).

For each stored photo, image document, image sticker or video/animation thumbnail: fetch the bytes from the blob
store, open them safely, hash them (pHash), read their text, and enrich that text exactly like post text.
Bad images are data: the event goes on with the item's ``status``/``reason`` saying why (``rejected``: the bytes
are not a usable image; ``missing``: the store has no such blob). Items with nothing to read (audio, a video
without a thumbnail, a failed download) produce nothing. A record that breaks the contract goes to the DLQ; a
store that cannot be reached is backpressure (the batch is retried, nothing is committed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from dozor.dlq import describe
from dozor.records import Channel, MediaEvent, MediaItem, MediaStatus
from dozor.stream import Backpressure, BatchResult, Message, Output, Rejected, decoded
from dozor.topics import MEDIA, dumps
from media import images, ocr_langs
from media.ocr import OcrEngine
from media.ocr_records import MEDIA_OCR, OcrEvent
from media.phash import phash
from media.store import BlobCorrupt, BlobMissing, BlobStoreError

log = logging.getLogger(__name__)

STAGE_NAME = "ocr"
IMAGE_TYPES = frozenset({"photo", "thumbnail"})
THUMBNAIL_TYPES = frozenset({"video", "animation", "document", "video_note", "sticker"})
OCR_FIELDS = set(OcrEvent.model_fields) - set(MediaEvent.model_fields)


class BlobSource(Protocol):
    """What the stage needs of the blob store (media.store.BlobStore): the bytes of a stored file, BlobMissing
    when there is none, BlobCorrupt when they no longer match their hash; OSError when it cannot be reached."""

    def get(self, sha256: str) -> bytes: ...


LanguageHints = Callable[[Channel], list[str]]
# The enrichment of a text (enrich.pipeline.Enricher.fields: lang, lang_score, script, topics, topic_hits,
# text_norm, text_stem, entities): handed in, as media sits below enrich in the layering.
Analyze = Callable[[str], Mapping[str, Any]]


def language_hints(
    registry: Mapping[str, Sequence[str]] | None = None, default: Sequence[str] = ocr_langs.DEFAULT_LANGUAGES
) -> LanguageHints:
    """A channel's languages, most likely first: a ``languages`` list on the record's channel, else its registry
    entry (keys: numeric id as a string or lowercase username), else its country's, else ``default``."""
    registry = registry or {}

    def hints(channel: Channel) -> list[str]:
        extra = (channel.model_extra or {}).get("languages")
        own: Sequence[str] = [str(x) for x in extra] if isinstance(extra, list) else ()
        if not own:
            own = registry.get(str(channel.id)) or registry.get((channel.username or "").lower()) or ()
        return ocr_langs.candidates(own, channel.country, default)

    return hints


def target(item: MediaItem) -> tuple[str, bool] | None:
    """(sha256 of the image to read, whether it is the item itself) or None when there is nothing to read."""
    if item.status != "stored":
        return None
    is_image_file = (item.mime or "").startswith("image/") and item.type in ("document", "sticker")
    if item.sha256 and (item.type in IMAGE_TYPES or is_image_file):
        return item.sha256, True
    if item.thumb_sha256 and item.type in THUMBNAIL_TYPES:
        return item.thumb_sha256, False
    return None


class OcrStage:
    """The stage as a pure function of a record (:meth:`process`) and as a batch stage for
    :class:`dozor.stream.StageRunner` (call it with a batch of messages)."""

    def __init__(
        self,
        blobs: BlobSource,
        engine: OcrEngine,
        analyze: Analyze,
        hints: LanguageHints | None = None,
        limits: images.Limits = images.DEFAULT_LIMITS,
    ) -> None:
        self.blobs = blobs
        self.engine = engine
        self.analyze = analyze
        self.hints = hints or language_hints()
        self.limits = limits
        images.configure(limits)

    def process(self, wire: dict[str, Any]) -> dict[str, Any] | None:
        """A ``posts.media`` record (as JSON) to its ``posts.media.ocr`` record, or None when it has no image to
        read. Raises ValueError for a record that breaks the contract, Backpressure when the store cannot be
        reached."""
        return self.read(MediaEvent.model_validate(wire), wire)

    def read(self, event: MediaEvent, wire: dict[str, Any]) -> dict[str, Any] | None:
        """:meth:`process` for a validated event; ``wire`` is the record as it came (it travels on, plus the
        OCR fields)."""
        found = target(event.item)
        if found is None:
            return None
        sha, is_item = found
        item = event.item.model_copy()
        extra: dict[str, Any] = {}
        try:
            data = self.blobs.get(sha)
        except (BlobMissing, FileNotFoundError):
            _flag(item, is_item, "missing", f"blob {sha} is not in the media store")
            return self._out(wire, item, extra)
        except BlobCorrupt as exc:
            _flag(item, is_item, "failed", str(exc))
            return self._out(wire, item, extra)
        except (OSError, BlobStoreError) as exc:
            raise Backpressure(f"media store unreachable: {exc}", retry_after=5.0) from exc
        opened = images.open_image(
            data, item.file_name if is_item else None, item.mime if is_item else None, self.limits
        )
        if isinstance(opened, images.Refused):
            _flag(item, is_item, "rejected", opened.reason)
            return self._out(wire, item, extra)
        if is_item:
            item.width = item.width or opened.info.width
            item.height = item.height or opened.info.height
            item.reason = opened.info.note or item.reason
        item.phash = phash(opened.image)
        result = self.engine.read(opened.image, self.hints(event.channel))
        if result.timed_out:
            item.reason = f"OCR stopped after {self.engine.options.timeout_ms / 1000:g} s; text may be partial"
        fields = self.analyze(result.text)
        item.ocr_text = result.text
        item.ocr_lang = fields["lang"]
        extra = {
            "ocr_script": fields["script"],
            "ocr_lang_score": fields["lang_score"],
            "ocr_norm": fields["text_norm"],
            "ocr_stem": fields["text_stem"],
            "ocr_topics": fields["topics"],
            "ocr_topic_hits": fields["topic_hits"],
            "ocr_entities": fields["entities"],
            "ocr_confidence": result.confidence,
            "ocr_packs": list(result.packs),
        }
        return self._out(wire, item, extra)

    def _out(self, wire: dict[str, Any], item: MediaItem, extra: dict[str, Any]) -> dict[str, Any]:
        """The record as it came, its item updated, plus every OCR field (checked against OcrEvent; the ones a
        bad image leaves unset at their defaults, so readers see the same shape either way)."""
        out = {**wire, **extra, "item": {**wire["item"], **item.model_dump(mode="json")}}
        out["ocr_at"] = datetime.now(UTC).isoformat()
        checked = OcrEvent.model_validate(out)
        return {**out, **checked.model_dump(mode="json", include=OCR_FIELDS)}

    def __call__(self, batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        for record in decoded(MEDIA, batch, result.rejected):
            try:
                out = self.read(record.value, record.wire)
            except Backpressure:
                raise
            except ValueError as exc:
                result.rejected.append(Rejected(record.message, describe(exc, MEDIA_OCR.invalid)))
                continue
            except Exception as exc:  # an OCR or enrichment bug on odd input must not stop the stream
                log.exception("ocr failed on %s", record.message.source)
                result.rejected.append(Rejected(record.message, f"ocr failed: {describe(exc)}"))
                continue
            if out is not None:
                key = record.message.key or str(record.value.channel.id).encode()
                result.outputs.append(Output(MEDIA_OCR.name, dumps(out), key))
        return result


def _flag(item: MediaItem, is_item: bool, status: MediaStatus, reason: str) -> None:
    """A bad item file changes the item's status; a bad thumbnail only says so (the video itself is fine)."""
    if is_item:
        item.status = status
        item.reason = reason
    else:
        item.reason = f"thumbnail {status}: {reason}"

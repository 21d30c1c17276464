"""The enrich stage over batches of ``posts.raw`` messages (Kafka, or anything that yields bytes):
validate against :class:`dozor.records.RawPost`, enrich, emit to ``posts.enriched`` keyed by channel
id; a record that fails validation or enrichment is rejected to the DLQ with the reason."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import ValidationError

from dozor import kafka as dk
from dozor.records import RawPost, searchable_text
from dozor.stream import BatchResult, Message, Output, Rejected, Stage
from enrich.entities import hints_of
from enrich.pipeline import Enricher

log = logging.getLogger(__name__)

STAGE_NAME = "enrich"


def loads(raw: bytes | str) -> Any:
    """JSON (orjson; the standard library for integers beyond 64 bits)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps(obj: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(obj, ensure_ascii=False).encode()


def describe(exc: Exception) -> str:
    """One line naming what is wrong with a record."""
    if isinstance(exc, ValidationError):
        problems = [f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}" for err in exc.errors()[:5]]
        return f"invalid {dk.RAW} record: " + "; ".join(problems)
    if isinstance(exc, ValueError) and not str(exc):
        return type(exc).__name__
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:1000]


def enrich_raw(value: bytes, enricher: Enricher) -> dict[str, Any]:
    """A ``posts.raw`` message's bytes to the enriched record (raises on a bad record)."""
    obj = loads(value)
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    RawPost.model_validate(obj)  # the gate; the record goes on as it came, plus the new fields
    obj.update(enricher.fields(searchable_text(obj), hints_of(obj)))
    return obj


def make_stage(enricher: Enricher) -> Stage:
    def stage(batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        for message in batch:
            try:
                record = enrich_raw(message.value, enricher)
                value = dumps(record)  # a lone surrogate (escaped in the JSON) cannot become UTF-8
            except ValueError as exc:  # JSON, unicode and validation errors
                result.rejected.append(Rejected(message, describe(exc)))
                continue
            except Exception as exc:  # an enrichment bug on odd input must not stop the stream
                log.exception("enrich failed on %s", message.source)
                result.rejected.append(Rejected(message, f"enrichment failed: {describe(exc)}"))
                continue
            key = message.key or str(record["channel"]["id"]).encode()
            result.outputs.append(Output(dk.ENRICHED, value, key))
        return result

    return stage

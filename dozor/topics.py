"""Each Kafka topic once, with the record model its messages hold, and the one JSON codec.

A stage names the topic it consumes; :mod:`dozor.stream` decodes and validates every message with
the topic's model, so the stage sees typed records only. The core declares the topics of the core
records; a stage package declares its own the same way, beside its model (``posts.media.ocr`` carries
MediaEvent records too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from dozor import kafka as dk
from dozor.records import EnrichedPost, MediaEvent, RawPost

M = TypeVar("M", bound=BaseModel)


# orjson reads an integer beyond 64 bits as a float, silently (-9223372036854775809 -> -9.223372036854776e18):
# a document holding a float that large is read again by the standard library, exactly. (A regular
# expression looking for 19 digits in the bytes did the same, but cost 0.4 ms a post: over a third of
# the indexer's Python time.)
_INT64 = 2.0**63


def _huge_float(obj: Any) -> bool:
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif type(item) is float and not -_INT64 < item < _INT64:
            return True
    return False


def loads(raw: bytes | str) -> Any:
    """JSON (orjson; the standard library for integers beyond 64 bits and what orjson refuses)."""
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        obj = orjson.loads(data)
        if not _huge_float(obj):
            return obj
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)
    except RecursionError:  # orjson stops at 1024 levels; the fallback must not raise past the caller
        raise ValueError("JSON nested too deeply") from None


def dumps(obj: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(obj, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Topic(Generic[M]):
    name: str  # unprefixed, e.g. "posts.raw"
    model: type[M]

    def decode(self, value: bytes) -> tuple[dict[str, Any], M]:
        """A message's bytes as the JSON object they hold and the topic's record; raises ValueError
        (JSON, Unicode, validation)."""
        obj = loads(value)
        if not isinstance(obj, dict):
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        return obj, self.model.model_validate(obj)

    def encode(self, record: M) -> bytes:
        return record.model_dump_json(by_alias=True).encode()

    @property
    def invalid(self) -> str:
        """How a rejection of a record of this topic starts."""
        return f"invalid {self.name} record"


RAW = Topic(dk.RAW, RawPost)
ENRICHED = Topic(dk.ENRICHED, EnrichedPost)
MEDIA = Topic(dk.MEDIA, MediaEvent)

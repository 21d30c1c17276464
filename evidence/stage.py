"""The ``evidence`` stage: over ``posts.raw`` and ``posts.media``, one chain entry per post version
(new/edit/delete) and per stored media file.

Idempotent under redelivery: an entry's ``key`` is derived from (post id, version, raw hash) or (media
hash, post id); each batch first asks the log which keys it holds and appends only the others. Elasticsearch
failures that may pass (429, 5xx, connection) raise :class:`Backpressure`, so the runner retries the batch
and commits nothing; a record that breaks its contract goes to the DLQ with the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError
from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

from dozor.errors import DozorError
from dozor.records import Channel, RawPost, as_utc, doc_id
from dozor.stream import Backpressure, BatchResult, Message, RecordError, Rejected
from evidence.chain import Chain, Record
from evidence.hashing import is_sha256

log = logging.getLogger(__name__)

STAGE_NAME = "evidence"
MEDIA_TOPIC = "posts.media"


def _iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _sha(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not is_sha256(value):
        raise RecordError(f"{name}: expected a lowercase hex SHA-256, got {str(value)[:80]!r}")
    return str(value)


def _collector(obj: dict[str, Any]) -> str | None:
    value = obj.get("collector")
    return str(value) if value is not None else None


def post_record(obj: dict[str, Any]) -> Record:
    """A ``posts.raw`` record's entry: its version is the edit date, or the event (new, delete)."""
    post = RawPost.model_validate(obj)
    version = "delete" if post.event == "delete" else _iso(post.edit_date) or post.event
    return Record(
        kind="post",
        post_id=post.doc_id,
        version=version,
        raw_sha256=_sha(obj.get("raw_sha256"), "raw_sha256"),
        # Absent from the record means unknown, not "now" (the model's default).
        collected_at=_iso(post.collected_at) if obj.get("collected_at") else None,
        collector=_collector(obj),
    )


class _Item(BaseModel):
    model_config = ConfigDict(extra="allow")
    sha256: str | None = None
    status: str
    thumb_sha256: str | None = None


class _MediaEvent(BaseModel):
    """The fields of a ``posts.media`` event (docs/architecture.md) that the log needs."""

    model_config = ConfigDict(extra="allow")
    channel: Channel
    message_id: StrictInt
    item: _Item
    collected_at: datetime | None = None


def media_records(obj: dict[str, Any]) -> list[Record]:
    """A ``posts.media`` event's entries: the stored file and its stored thumbnail, one entry each."""
    event = _MediaEvent.model_validate(obj)
    files = []
    if event.item.status == "stored" and event.item.sha256 is not None:
        files.append(_sha(event.item.sha256, "item.sha256"))
    thumb = _sha(event.item.thumb_sha256, "item.thumb_sha256")
    if thumb is not None and thumb not in files:
        files.append(thumb)
    post_id = doc_id(event.channel.id, event.message_id)
    return [
        Record(
            kind="media",
            post_id=post_id,
            version=None,
            media_sha256=(sha,),
            collected_at=_iso(event.collected_at),
            collector=_collector(obj),
        )
        for sha in files
        if sha is not None
    ]


def records_of(value: bytes) -> list[Record]:
    """The entries one message asks for (raises ValueError/RecordError for a bad record)."""
    obj = json.loads(value)
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    return media_records(obj) if "item" in obj else [post_record(obj)]


def describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()[:5]]
        return "invalid record: " + "; ".join(problems)
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:1000]


class EvidenceStage:
    """A batch stage (callable) for :class:`dozor.stream.StageRunner`."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.appended = 0
        self.repeated = 0

    def __call__(self, batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        wanted: list[Record] = []
        for message in batch:
            try:
                wanted.extend(records_of(message.value))
            except (ValueError, RecordError) as exc:  # JSON, unicode and validation errors
                result.rejected.append(Rejected(message, describe(exc)))
        try:
            self._append(wanted)
        except ApiError as exc:
            if exc.meta.status != 429 and exc.meta.status < 500:
                raise DozorError(f"Elasticsearch refused the evidence log: {exc.message}") from exc
            raise Backpressure(f"Elasticsearch: {exc.meta.status} {exc.message}") from exc
        except TransportError as exc:  # connection refused/reset, timeouts
            raise Backpressure(f"Elasticsearch: {type(exc).__name__}") from exc
        return result

    def _append(self, wanted: list[Record]) -> None:
        seen = self.chain.known(r.key for r in wanted)
        for record in wanted:
            if record.key in seen:
                self.repeated += 1
                continue
            self.chain.append(record)
            seen.add(record.key)
            self.appended += 1

    def summary(self) -> str:
        return f"{self.appended} entries appended, {self.repeated} already in the log"

"""The ``evidence`` stage: over ``posts.raw`` and ``posts.media``, one chain entry per post version
(new/edit/delete) and per stored media file.

Idempotent under redelivery: an entry's ``key`` is derived from (post id, version, raw hash) or (media
hash, post id); each batch first asks the log which keys it holds and appends only the others. Elasticsearch
failures that may pass (429, 5xx, connection) raise :class:`Backpressure`, so the runner retries the batch
and commits nothing; a record that breaks its contract goes to the DLQ with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError

from dozor import topics
from dozor.errors import DozorError
from dozor.records import MediaEvent, RawPost, as_utc
from dozor.stream import Backpressure, BatchResult, Message, decoded
from dozor.stream import Record as Received
from evidence.chain import Chain, Record

log = logging.getLogger(__name__)

STAGE_NAME = "evidence"


def _iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _given(wire: dict[str, Any], name: str, value: datetime | None) -> str | None:
    """A time the record carries; absent from the wire means unknown, not "now" (the model's default)."""
    return _iso(value) if wire.get(name) else None


def post_record(received: Received[RawPost]) -> Record:
    """A ``posts.raw`` record's entry: its version is the edit date, or the event (new, delete)."""
    post = received.value
    version = "delete" if post.event == "delete" else _iso(post.edit_date) or post.event
    return Record(
        kind="post",
        post_id=post.doc_id,
        version=version,
        raw_sha256=post.raw_sha256,
        collected_at=_given(received.wire, "collected_at", post.collected_at),
        collector=post.collector,
    )


def media_records(received: Received[MediaEvent]) -> list[Record]:
    """A ``posts.media`` event's entries: the stored file and its stored thumbnail, one entry each."""
    event = received.value
    files = [event.item.sha256] if event.item.status == "stored" and event.item.sha256 else []
    if event.item.thumb_sha256 and event.item.thumb_sha256 not in files:
        files.append(event.item.thumb_sha256)
    return [
        Record(
            kind="media",
            post_id=event.doc_id,
            version=None,
            media_sha256=(sha,),
            collected_at=_given(received.wire, "collected_at", event.collected_at),
            collector=event.collector,
        )
        for sha in files
    ]


class EvidenceStage:
    """A batch stage (callable) for :class:`dozor.stream.StageRunner` over ``posts.raw`` and ``posts.media``:
    a message from ``media_topic`` (the prefixed name) is a media event, any other a raw post; both are
    decoded and validated with their topic's model, the invalid ones rejected with their reason."""

    def __init__(self, chain: Chain, media_topic: str = topics.MEDIA.name) -> None:
        self.chain = chain
        self.media_topic = media_topic
        self.appended = 0
        self.repeated = 0

    def __call__(self, batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        wanted: list[Record] = []
        for message in batch:
            if message.topic == self.media_topic:
                for media in decoded(topics.MEDIA, [message], result.rejected):
                    wanted.extend(media_records(media))
            else:
                wanted.extend(post_record(post) for post in decoded(topics.RAW, [message], result.rejected))
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

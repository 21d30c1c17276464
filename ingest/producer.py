"""Writing ``posts.raw`` and ``posts.media`` (and rejects to ``posts.dlq``): key = channel id, acks=all, compression.

Each send returns into a :class:`Pending` batch; ``Pending.wait()`` blocks until Kafka acknowledged
every record in it, so a caller can write a checkpoint only after what it covers is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kafka.errors import KafkaError

from dozor import kafka as dk
from dozor import metrics, topics
from dozor.dlq import dead_letter
from dozor.errors import DozorError
from dozor.records import MediaEvent, RawPost
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)

ACK_TIMEOUT_S = 120.0


def prepare_topics(settings: IngestSettings) -> None:
    """Create posts.raw, posts.media, posts.dlq and the compacted ingest.state if they do not exist."""
    dk.ensure_topics(
        settings,
        [dk.RAW, dk.MEDIA, dk.DLQ, dk.INGEST_STATE],
        partitions=settings.raw_partitions,
        compacted=[dk.INGEST_STATE],
    )


def encode(post: RawPost) -> bytes:
    return topics.RAW.encode(post)


def channel_key(channel_id: int) -> bytes:
    return str(channel_id).encode()


@dataclass
class Pending:
    """Records sent but maybe not yet acknowledged."""

    futures: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.futures)

    def wait(self) -> int:
        """Block until every record is acknowledged; raise DozorError if one was not."""
        try:
            for fut in self.futures:
                fut.get(timeout=ACK_TIMEOUT_S)
        except KafkaError as exc:
            raise DozorError(f"Kafka did not acknowledge a record ({type(exc).__name__}: {exc})") from exc
        done = len(self.futures)
        self.futures.clear()
        return done


class RawSink:
    """Sends records to posts.raw and rejects to posts.dlq through one shared KafkaProducer."""

    def __init__(self, settings: IngestSettings, stage: str = "ingest", **producer_overrides: Any) -> None:
        self.settings = settings
        self.stage = stage
        compression = None if settings.compression == "none" else settings.compression
        self._producer = dk.producer(settings, compression_type=compression, **producer_overrides)
        self._raw = settings.topic(dk.RAW)
        self._dlq = settings.topic(dk.DLQ)
        self._media = settings.topic(dk.MEDIA)
        self._out = {t: metrics.RECORDS_OUT.labels(stage, t) for t in (self._raw, self._media, self._dlq)}

    @property
    def producer(self) -> Any:
        return self._producer

    def send(self, post: RawPost, pending: Pending) -> None:
        self.send_encoded(encode(post), post.channel.id, pending)

    def send_encoded(self, value: bytes, channel_id: int, pending: Pending) -> None:
        pending.futures.append(self._producer.send(self._raw, value=value, key=channel_key(channel_id)))
        self._out[self._raw].inc()

    def send_media(self, event: MediaEvent, pending: Pending) -> None:
        value = topics.MEDIA.encode(event)
        pending.futures.append(self._producer.send(self._media, value=value, key=channel_key(event.channel.id)))
        self._out[self._media].inc()

    def reject(self, value: bytes, reason: str, source: str, pending: Pending) -> None:
        """Send the original bytes to posts.dlq with the stage, reason and where they came from."""
        dead = dead_letter(value, stage=self.stage, reason=reason, source=source)
        pending.futures.append(self._producer.send(self._dlq, value=dead.value, headers=dead.headers))
        self._out[self._dlq].inc()
        metrics.DLQ.labels(self.stage, metrics.reason_kind(reason)).inc()

    def close(self) -> None:
        try:
            self._producer.flush(timeout=ACK_TIMEOUT_S)
        finally:
            self._producer.close(timeout=10)

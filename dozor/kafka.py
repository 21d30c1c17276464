"""Kafka client factories and topic names. Kafka clients live only here and in the stage runner."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from dozor.errors import DozorError
from dozor.settings import DozorSettings

log = logging.getLogger(__name__)

RAW = "posts.raw"
ENRICHED = "posts.enriched"
DLQ = "posts.dlq"
INGEST_STATE = "ingest.state"
ALERTS = "alerts"

# DLQ headers: the original bytes stay the message value; these say where they came from and why.
H_STAGE = "dozor.stage"
H_ERROR = "dozor.error"
H_SOURCE = "dozor.source"


def _unreachable(settings: DozorSettings, exc: Exception) -> DozorError:
    return DozorError(
        f"Kafka unreachable at {settings.kafka_bootstrap} ({type(exc).__name__}); "
        "start it with `dozor stack up` or set DOZOR_KAFKA_BOOTSTRAP"
    )


def producer(settings: DozorSettings, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "acks": "all",
        "retries": 10,
        "linger_ms": 20,
        "batch_size": 256 * 1024,
        "max_request_size": 8 * 1024 * 1024,
        "compression_type": "gzip",
        "request_timeout_ms": 30_000,
        "client_id": "dozor",
    }
    config.update(overrides)
    try:
        return KafkaProducer(**config)
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def consumer(settings: DozorSettings, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 1000,
        "fetch_max_bytes": 32 * 1024 * 1024,
        "max_partition_fetch_bytes": 8 * 1024 * 1024,
        "client_id": "dozor",
    }
    config.update(overrides)
    try:
        return KafkaConsumer(**config)
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def admin(settings: DozorSettings) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(bootstrap_servers=settings.kafka_servers, client_id="dozor-admin")
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def ensure_topics(
    settings: DozorSettings,
    names: Iterable[str],
    partitions: int = 6,
    compacted: Iterable[str] = (),
) -> None:
    """Create topics that do not exist yet (names unprefixed; the settings' prefix is applied)."""
    compact = set(compacted)
    client = admin(settings)
    try:
        existing = set(client.list_topics())
        new = [
            NewTopic(
                name=settings.topic(name),
                num_partitions=1 if name in compact else partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if name in compact else {},
            )
            for name in names
            if settings.topic(name) not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
                client.create_topics(new)
    finally:
        client.close()

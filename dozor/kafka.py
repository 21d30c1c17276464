"""Kafka client factories and topic names. Kafka clients live only here and in the stage runner."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.partitioner import DefaultPartitioner, murmur2

from dozor.errors import DozorError
from dozor.security import kafka_options
from dozor.settings import DozorSettings

log = logging.getLogger(__name__)

RAW = "posts.raw"
ENRICHED = "posts.enriched"
MEDIA = "posts.media"  # one media file of a post (key = channel id), after the post itself
DLQ = "posts.dlq"
INGEST_STATE = "ingest.state"
ALERTS = "alerts"

# DLQ headers: the original bytes stay the message value; these say where they came from and why.
H_STAGE = "dozor.stage"
H_ERROR = "dozor.error"
H_SOURCE = "dozor.source"


class KafkaUnavailable(DozorError):
    """Kafka cannot be reached or did not acknowledge: a service waits and retries, a one-shot run fails."""


def _unreachable(settings: DozorSettings, exc: Exception) -> KafkaUnavailable:
    # kafka-python retries a refused login until its bootstrap times out, so both look alike here.
    refused = (
        f", or it refused the login of DOZOR_KAFKA_USERNAME={settings.kafka_username} "
        "(check DOZOR_KAFKA_PASSWORD, DOZOR_KAFKA_SASL_MECHANISM and DOZOR_KAFKA_CA)"
        if settings.kafka_username
        else ""
    )
    return KafkaUnavailable(
        f"Kafka unreachable at {settings.kafka_bootstrap}{refused} ({type(exc).__name__}); "
        "start it with `dozor stack up` or set DOZOR_KAFKA_BOOTSTRAP"
    )


class KeyHashCache(DefaultPartitioner):  # type: ignore[misc]
    """Kafka's default partitioner (murmur2 of the key, modulo the partitions), each key's hash remembered:
    the keys are channel ids, a few hundred, and kafka-python hashes them in pure Python for every record.
    Records without a key go where the default puts them."""

    _LIMIT = 100_000

    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, serialized_value: Any, cluster: Any
    ) -> int:
        if serialized_key is None or topic not in cluster.topics():
            return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))
        hashed = self._hashes.get(serialized_key)
        if hashed is None:
            if len(self._hashes) >= self._LIMIT:
                self._hashes.clear()
            hashed = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        partitions = sorted(cluster.partitions_for_topic(topic))
        return int(partitions[hashed % len(partitions)])


def producer(settings: DozorSettings, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "proxy_url": settings.kafka_proxy_url,
        "acks": "all",
        "retries": 10,
        "linger_ms": 20,
        "batch_size": 256 * 1024,
        "max_request_size": 8 * 1024 * 1024,
        # lz4: a twentieth of gzip's CPU (kafka-python compresses gzip at level 9: ~0.1 ms a post, as
        # much as decoding, validating and encoding it) for a third more bytes; the broker keeps it as sent.
        "compression_type": "lz4",
        "request_timeout_ms": 30_000,
        "client_id": "dozor",
        "partitioner": KeyHashCache(),
        **kafka_options(settings),
    }
    config.update(overrides)
    try:
        return KafkaProducer(**config)
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def consumer(settings: DozorSettings, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "proxy_url": settings.kafka_proxy_url,
        "group_id": group_id,
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_ms,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 1000,
        # What a fetch brings ahead of the stage, kept as Python records until polled. With 32 MB (8 MB a
        # partition), an enricher draining a backlog of 60,000 posts peaked 32 MB higher (339 against 307 MB,
        # bench_memory), at the same speed (bench_enrich_workers, bench_index). A larger record still comes.
        "fetch_max_bytes": 4 * 1024 * 1024,
        "max_partition_fetch_bytes": 1024 * 1024,
        "client_id": "dozor",
        **kafka_options(settings),
    }
    config.update(overrides)
    try:
        return KafkaConsumer(**config)
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def admin(settings: DozorSettings) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(
            bootstrap_servers=settings.kafka_servers,
            proxy_url=settings.kafka_proxy_url,
            client_id="dozor-admin",
            **kafka_options(settings),
        )
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


def ensure_topics_waiting(settings: DozorSettings, names: Iterable[str], *, wait: bool) -> None:
    """:func:`ensure_topics` for a command that starts a stage: a service (``wait``) started while the
    broker is away waits for it with backoff instead of exiting (the chaos run restarted a member during a
    broker restart); a one-shot run fails at once."""
    import time

    names, delay = list(names), 0.5
    while True:
        try:
            ensure_topics(settings, names)
            return
        except KafkaUnavailable as exc:
            if not wait:
                raise
            log.warning("%s; retrying in %.1fs", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def read_all(settings: DozorSettings, topic: str, timeout_s: float = 60.0) -> list[Any]:
    """Every record of a topic (name unprefixed), from the beginning to the end offsets seen at start.

    No consumer group: for small topics read whole (compacted state, tests, checks).
    """
    import time

    from kafka import TopicPartition

    name = settings.topic(topic)
    client = consumer(settings, None)
    try:
        tps = [TopicPartition(name, p) for p in sorted(client.partitions_for_topic(name) or [])]
        if not tps:
            return []
        client.assign(tps)
        client.seek_to_beginning(*tps)
        end = client.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(client.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise DozorError(f"timed out reading {name} after {timeout_s:.0f}s")
            for records in client.poll(timeout_ms=500).values():
                out.extend(records)
        return out
    finally:
        client.close(autocommit=False)


def delete_prefixed_topics(settings: DozorSettings) -> list[str]:
    """Delete every topic under the settings' topic prefix (test and benchmark cleanup).

    Refuses an empty prefix: that would mean the production topics.
    """
    if not settings.topic_prefix:
        raise DozorError("refusing to delete topics without a topic prefix")
    client = admin(settings)
    try:
        names = [t for t in client.list_topics() if t.startswith(settings.topic_prefix)]
        if names:
            client.delete_topics(names)
        return names
    finally:
        client.close()

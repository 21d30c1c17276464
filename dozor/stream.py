"""The stage runner: consume a topic as a consumer group, hand batches to a stage, write what it
produced, and commit input offsets only after every output was acknowledged (at-least-once).

A stage is a plain callable over a batch of :class:`Message` returning a :class:`BatchResult`; it
knows nothing of Kafka, so the same code runs over Kafka, a JSONL file and an in-memory list. The
messages of a topic are decoded and validated in one place, :func:`decoded`, with the topic's model
(:mod:`dozor.topics`): a stage sees typed records, and what fails goes to the DLQ as data, with a
one-line reason (:mod:`dozor.dlq`). :func:`record_stage` lifts a per-record function into a stage.
A stage that cannot write downstream right now raises :class:`Backpressure`; the runner waits
``retry_after`` seconds and hands it the same batch again, so nothing is skipped or committed early.
When Kafka itself fails (a broker restart, no broker at start), the service
(:meth:`StageRunner.run_forever`) reports itself degraded, backs off, and takes the unfinished batch
up again where it was.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kafka import TopicPartition
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError
from pydantic import BaseModel

from dozor import kafka as dk
from dozor.dlq import dead_letter, describe
from dozor.errors import DozorError
from dozor.settings import DozorSettings
from dozor.stage_meter import StageMeter
from dozor.topics import Topic, dumps

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One input record: the raw bytes and where they came from."""

    value: bytes
    key: bytes | None = None
    topic: str = ""
    partition: int = 0
    offset: int = 0
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def source(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class Output:
    topic: str  # unprefixed name, e.g. dk.ENRICHED
    value: bytes
    key: bytes | None = None


@dataclass(frozen=True)
class Rejected:
    """A record that a stage could not handle: it goes to the DLQ with the reason."""

    message: Message
    reason: str


@dataclass
class BatchResult:
    outputs: list[Output] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Backpressure(Exception):
    """Downstream cannot take the batch now; try the same batch again after ``retry_after`` s."""

    def __init__(self, reason: str, retry_after: float = 1.0) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RecordError(ValueError):
    """A record-level failure (a stage's check on odd input): the record goes to the DLQ."""


@dataclass(frozen=True)
class Record(Generic[M]):
    """A valid input record: the typed value, the JSON object as it came (a stage that passes the
    record on adds to it, so every value travels as it was sent) and the message it came from."""

    message: Message
    value: M
    wire: dict[str, Any]


Stage = Callable[[Sequence[Message]], BatchResult]


def decoded(topic: Topic[M], batch: Iterable[Message], rejected: list[Rejected]) -> Iterator[Record[M]]:
    """The batch's valid records, typed, as the caller iterates; each invalid one is added to
    ``rejected`` when reached (so rejections keep the input order) with its one-line reason."""
    for message in batch:
        try:
            wire, value = topic.decode(message.value)
        except ValueError as exc:  # JSON, Unicode and validation errors
            rejected.append(Rejected(message, describe(exc, topic.invalid)))
            continue
        yield Record(message, value, wire)


def record_stage(topic: Topic[M], transform: Callable[[Record[M]], Iterable[Output]]) -> Stage:
    """A stage from a function of one typed record to its outputs. What it raises for one record sends
    that record to the DLQ with the reason; the rest of the batch goes on."""

    def stage(batch: Sequence[Message]) -> BatchResult:
        result = BatchResult()
        for record in decoded(topic, batch, result.rejected):
            try:
                result.outputs.extend(transform(record))
            except ValueError as exc:
                result.rejected.append(Rejected(record.message, describe(exc)))
            except Exception as exc:  # a stage bug on odd input must not stop the stream
                # No traceback: the runner logs the record's one line (source, reason) as it goes to the DLQ.
                result.rejected.append(Rejected(record.message, describe(exc)))
        return result

    return stage


@dataclass
class RunStats:
    consumed: int = 0
    produced: int = 0
    rejected: int = 0
    batches: int = 0

    def summary(self) -> str:
        return f"{self.consumed} consumed, {self.produced} produced, {self.rejected} to DLQ"


def _one_line(exc: Exception) -> str:
    name, text = type(exc).__name__, (str(exc).strip().splitlines() or [""])[0][:200]
    return text if text.startswith(name) else f"{name}: {text}"


def stage_group(settings: DozorSettings, name: str) -> str:
    """The consumer group of stage ``name``. The topic prefix namespaces it too, so prefixed runs never
    share offsets with the defaults."""
    return f"{settings.topic_prefix}dozor-{name}"


class StageRunner:
    """Runs one named stage between Kafka topics. ``name`` is also the consumer group id. ``source`` is
    the topic it consumes, or several: one consumer reads them all (partition ``n`` of each goes to the
    same member when they have as many partitions, so the events of one key reach one process)."""

    def __init__(
        self,
        name: str,
        settings: DozorSettings,
        source: str | Sequence[str],
        stage: Stage,
        *,
        max_batch: int = 500,
        poll_ms: int = 500,
        max_backoff: float = 30.0,
        group_id: str | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.sources = [settings.topic(t) for t in ([source] if isinstance(source, str) else source)]
        self.source = self.sources[0]
        self.stage = stage
        self.max_batch = max_batch
        self.poll_ms = poll_ms
        self.max_backoff = max_backoff
        self.group_id = group_id or stage_group(settings, name)
        self.stats = RunStats()
        self._stop = threading.Event()
        self._producer: Any = None
        self.degraded: str | None = None  # why the service is waiting for Kafka, while it is
        self.meter = StageMeter(name, settings.topic)  # Prometheus metrics (dozor/metrics.py)

    # ---- public entry points -------------------------------------------------------------------

    def drain(self, numbers: Collection[int] | None = None) -> RunStats:
        """Consume from committed offsets to the end offsets seen at start, commit, return: every partition,
        or, as one of several drainers (:mod:`dozor.workers`), those numbered ``numbers`` (the share
        :mod:`dozor.drain_shares` gave it)."""
        consumer = dk.consumer(self.settings, self.group_id)
        try:
            tps = [
                TopicPartition(topic, p)
                for topic in self.sources
                for p in sorted(consumer.partitions_for_topic(topic) or ())
                if numbers is None or p in numbers
            ]
            if not tps:
                return self.stats
            consumer.assign(tps)  # no group rebalance: the drain owns every partition
            end = consumer.end_offsets(tps)
            for tp in tps:
                committed = consumer.committed(tp)
                if committed is None:
                    consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)
            remaining = {tp for tp in tps if consumer.position(tp) < end[tp]}
            while remaining and not self._stop.is_set():
                batch = self._poll(consumer)
                for tp in list(remaining):
                    if consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
                if batch:
                    self._handle(consumer, batch)
                self.meter.lag(consumer)
            return self.stats
        finally:
            self._close(consumer)

    def run_forever(self) -> RunStats:
        """The service: subscribe as a group member until SIGINT/SIGTERM, riding out Kafka failures."""
        self.stop_on_signals()
        consumer: Any = None
        failing = 0
        try:
            while not self._stop.is_set():
                batch: list[Message] = []
                connected = consumer is None
                try:
                    if consumer is None:
                        consumer = dk.consumer(self.settings, self.group_id)
                        consumer.subscribe(self.sources)
                        log.info("stage %s consuming %s as group %s", self.name, ", ".join(self.sources), self.group_id)
                    batch = self._poll(consumer)
                    if batch:
                        self._handle(consumer, batch)
                    self.meter.lag(consumer)
                except (KafkaError, dk.KafkaUnavailable) as exc:
                    failing += 1
                    wait = min(0.5 * 2**failing, self.max_backoff)
                    self.degraded = f"Kafka failed ({_one_line(exc)})"
                    self.meter.degraded(True)
                    log.warning("stage %s degraded: %s; retrying in %.1fs", self.name, self.degraded, wait)
                    if consumer is not None and batch:
                        self._rewind(consumer, batch)
                    self._stop.wait(wait)
                    continue
                if failing and (batch or connected):  # an empty poll proves nothing: Kafka may still be down
                    log.info("stage %s resumed after %d failed attempts", self.name, failing)
                    failing, self.degraded = 0, None
                    self.meter.degraded(False)
            return self.stats
        finally:
            if consumer is not None:
                self._close(consumer)

    @staticmethod
    def _rewind(consumer: Any, batch: list[Message]) -> None:
        """Back to the first record of an unfinished batch, on the partitions still assigned (a partition
        taken by another member is read again from its committed offset there)."""
        first: dict[TopicPartition, int] = {}
        for message in batch:
            tp = TopicPartition(message.topic, message.partition)
            first[tp] = min(first.get(tp, message.offset), message.offset)
        assigned = consumer.assignment()
        for tp, offset in first.items():
            if tp in assigned:
                consumer.seek(tp, offset)

    def stop(self) -> None:
        self._stop.set()

    # ---- internals -----------------------------------------------------------------------------

    def stop_on_signals(self) -> None:
        """SIGINT and SIGTERM stop the runner after its batch (committed), not in the middle of it."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self.stop())

    def _poll(self, consumer: Any) -> list[Message]:
        polled = consumer.poll(timeout_ms=self.poll_ms, max_records=self.max_batch)
        batch = [
            Message(
                value=r.value if r.value is not None else b"",
                key=r.key,
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                headers=tuple((k, v) for k, v in (r.headers or [])),
            )
            for records in polled.values()
            for r in records
        ]
        batch.sort(key=lambda m: (m.partition, m.offset))
        return batch

    def _handle(self, consumer: Any, batch: list[Message]) -> None:
        delay, started = 0.5, time.perf_counter()
        while True:
            try:
                result = self.stage(batch)
                break
            except Backpressure as exc:
                if self._stop.is_set():
                    raise DozorError(f"stage {self.name} stopped while downstream was failing: {exc}") from exc
                wait = min(max(exc.retry_after, delay), self.max_backoff)
                log.warning("stage %s: %s; retrying the batch in %.1fs", self.name, exc, wait)
                self.meter.degraded(True)  # downstream (Elasticsearch) is failing: degraded until a batch passes
                # Keep group membership alive while waiting; nothing new is fetched meanwhile.
                self._sleep_paused(consumer, wait)
                delay = min(delay * 2, self.max_backoff)
        self._write(result)
        try:
            consumer.commit()
        except (CommitFailedError, RebalanceInProgressError) as exc:
            # The group rebalanced (or is rebalancing) while we worked: the new owner re-reads from the
            # last commit, so the batch is delivered again (at-least-once; writes downstream are
            # idempotent). Back to poll at once: only a poll lets this member rejoin; backing off here
            # kept a member out of the group for the length of the rebalance, commit after commit.
            log.warning("stage %s: commit failed after a rebalance (%s); batch will be re-delivered", self.name, exc)
        outputs, reasons = [o.topic for o in result.outputs], [r.reason for r in result.rejected]
        self.meter.batch([m.topic for m in batch], outputs, reasons, time.perf_counter() - started)
        if self.degraded is None:
            self.meter.degraded(False)
        self.stats.batches += 1
        self.stats.consumed += len(batch)
        self.stats.produced += len(result.outputs)
        self.stats.rejected += len(result.rejected)

    def _sleep_paused(self, consumer: Any, seconds: float) -> None:
        """Wait, polling with every partition paused so the group keeps this member. A rebalance during
        the wait may take partitions away (they are not resumed: that raised KeyError) or assign new ones,
        which are paused too; should a poll still return records, their partitions go back to the first of
        them, so no record is skipped by a later commit."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline and not self._stop.is_set():
                consumer.pause(*consumer.assignment())
                polled = consumer.poll(timeout_ms=min(500, max(1, int((deadline - time.monotonic()) * 1000))))
                for tp, records in polled.items():
                    if records:
                        consumer.seek(tp, min(r.offset for r in records))
        finally:
            consumer.resume(*consumer.assignment())

    def _write(self, result: BatchResult) -> None:
        if not result.outputs and not result.rejected:
            return
        if self._producer is None:
            self._producer = dk.producer(self.settings)
        futures = [
            self._producer.send(self.settings.topic(out.topic), value=out.value, key=out.key) for out in result.outputs
        ]
        for rejected in result.rejected:
            msg = rejected.message
            reason = " ".join(rejected.reason.split())  # one line in the log, whatever the stage wrote
            log.warning("stage %s: %s -> DLQ: %s", self.name, msg.source, reason)
            dead = dead_letter(msg.value, stage=self.name, reason=rejected.reason, source=msg.source, key=msg.key)
            futures.append(
                self._producer.send(self.settings.topic(dk.DLQ), value=dead.value, key=dead.key, headers=dead.headers)
            )
        self._producer.flush()
        try:
            for fut in futures:
                fut.get(timeout=60)  # raises if any record was not acknowledged: no commit then
        except KafkaError as exc:
            raise dk.KafkaUnavailable(f"stage {self.name}: Kafka did not acknowledge the output ({exc})") from exc

    def _close(self, consumer: Any) -> None:
        try:
            consumer.close(autocommit=False)
        finally:
            if self._producer is not None:
                self._producer.close()
                self._producer = None


def run_in_memory(
    stage: Stage, values: Iterable[bytes | str | dict[str, Any] | BaseModel], *, topic: str = "memory"
) -> BatchResult:
    """Test harness: run a stage over an in-memory list of records (bytes as they are, a str as its
    UTF-8, a dict or a model as its JSON), as if they came from ``topic``."""
    batch = [Message(value=_as_bytes(v), topic=topic, offset=i) for i, v in enumerate(values)]
    return stage(batch)


def _as_bytes(value: bytes | str | dict[str, Any] | BaseModel) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True).encode()
    if isinstance(value, dict):
        return dumps(value)
    return value.encode() if isinstance(value, str) else value

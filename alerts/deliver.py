"""Firing and delivering alerts: claim the alert keys (create-only: of two alerters one wins each key),
publish each alert to the Kafka topic `alerts` (key = rule name) and send it to each notifier, retrying
with backoff. Each delivery is recorded right after it succeeded, so a crash repeats at most the
delivery that was under way (at-least-once; every notification carries the alert id, the same on every
resend, for the receiver to drop a repeat by). What still fails stays pending with its errors recorded;
a later pass retries only what failed. The claiming process holds a short lease on the alert, renewed
while it sends (alerts/lease.py): another alerter takes over the alerts of a dead one when it runs out.
A batch costs one claim request and one Kafka flush; each alert's notifications then run as a task of
a thread pool, so a slow notifier never holds up the evaluation of new posts."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import orjson
from elastic_transport import TransportError
from elasticsearch import ApiError
from kafka.errors import KafkaError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_exponential

from alerts.alert import Alert
from alerts.lease import Leases
from alerts.notifiers import DeliveryError, notifier_for
from alerts.rules import Notify
from alerts.settings import AlertSettings
from alerts.state import FAILED, PENDING, SENT, SUPPRESSED, AlertStore, backoff, iso
from dozor import kafka as dk
from dozor import metrics
from dozor.errors import DozorError
from dozor.records import utcnow

log = logging.getLogger(__name__)

KAFKA = "kafka"
RECORD_FOR_S = 120.0  # how long a delivery's record is retried while Elasticsearch fails (then: resent later)
GIVE_UP = timedelta(days=1)  # a pending alert older than this is marked failed
MAX_ERRORS = 5


@dataclass(frozen=True)
class Fired:
    """An alert to fire, where to send it, and whether its rule's realert period suppresses it."""

    alert: Alert
    targets: list[Notify] = field(default_factory=list)
    suppressed: bool = False


def _delivery(key: str, target: Notify | None) -> dict[str, Any]:
    return {
        "key": key,
        "target": target.model_dump(mode="json", exclude_none=True) if target else None,
        "status": PENDING,
        "attempts": 0,
        "errors": [],
    }


def _kind(delivery: dict[str, Any]) -> str:
    """The notifier kind of a delivery (its key is `kafka` or `<n>:<kind>`): a bounded metrics label."""
    return str(delivery["key"]).rpartition(":")[2]


class Dispatcher:
    def __init__(self, store: AlertStore, settings: AlertSettings) -> None:
        self.store = store
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._producer: Any = None
        self._pool = ThreadPoolExecutor(max_workers=settings.send_workers, thread_name_prefix="dozor-send")
        self._http = httpx.Client(timeout=settings.notify_timeout_s)
        self._inflight: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.leases = Leases(store, settings.alert_lease_s)

    def _doc(self, fired: Fired) -> dict[str, Any]:
        now, alert = utcnow(), fired.alert
        deliveries = []
        if not fired.suppressed:
            deliveries = [_delivery(KAFKA, None)] + [_delivery(f"{i}:{t.kind}", t) for i, t in enumerate(fired.targets)]
        return {
            "id": alert.id,
            "rule": alert.rule,
            "type": alert.type,
            "status": SUPPRESSED if fired.suppressed else PENDING,
            "post_id": alert.post["id"] if alert.post else None,
            "fired_at": iso(alert.fired_at),
            "next_attempt_at": iso(now),
            "lease_until": iso(self.leases.until()),
            "owner": self.owner,
            "acked": False,
            "alert": alert.body(),
            "deliveries": deliveries,
        }

    def fire(self, batch: list[Fired]) -> set[str]:
        """Record and start sending new alerts; returns the ids this process claimed (others: duplicates)."""
        docs = [self._doc(f) for f in batch]
        won = self.store.claim_many(docs)
        self._start([d for d in docs if d["id"] in won and d["status"] == PENDING])
        return won

    def retry_due(self, ignore_schedule: bool = False) -> int:
        """Retry the pending alerts whose time has come (and that no process holds, this one included)."""
        now = utcnow()
        due = [doc for doc in self.store.due(now, ignore_schedule) if not self.leases.held(doc["id"])]
        leased = [doc for doc in due if self.store.lease(doc, self.leases.until())]
        self._start(leased)
        return len(leased)

    def wait(self, timeout: float | None = None) -> None:
        """Until the sends started so far are done (and recorded)."""
        with self._lock:
            running = list(self._inflight)
        wait(running, timeout)

    def _start(self, docs: list[dict[str, Any]]) -> None:
        alerts = {doc["id"]: Alert.model_validate(doc["alert"]) for doc in docs}
        docs = [doc for doc in docs if self.leases.hold(doc["id"])]
        submitted: set[str] = set()
        try:
            kafka = [(alerts[doc["id"]], d) for doc in docs for d in doc["deliveries"] if d["key"] == KAFKA]
            published = self._publish([job for job in kafka if job[1]["status"] != SENT])
            if published:  # recorded now, not after the notifiers: a crash meanwhile must not publish it again
                try:
                    self.store.save_many(
                        {d["id"]: {"deliveries": d["deliveries"]} for d in docs if d["id"] in published}
                    )
                except (TransportError, ApiError, DozorError) as exc:  # then recorded with the outcome, in _finish
                    log.warning("Kafka deliveries not recorded yet: %s", type(exc).__name__)
            for doc in docs:
                future = self._pool.submit(self._finish, doc, alerts[doc["id"]])
                submitted.add(doc["id"])
                with self._lock:
                    self._inflight.add(future)
                future.add_done_callback(self._done)
        finally:  # what was not handed to the pool is not being sent: its lease runs out, a later pass retries
            for doc in docs:
                if doc["id"] not in submitted:
                    self.leases.release(doc["id"])

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._inflight.discard(future)
        if future.exception() is not None:  # not recorded: the lease runs out and a later pass retries it
            log.error("alert delivery not recorded: %s", future.exception())

    def _finish(self, doc: dict[str, Any], alert: Alert) -> None:
        """Send what is not sent yet of one alert, recording each delivery as it succeeds, then the outcome."""
        try:
            due = [d for d in doc["deliveries"] if d["status"] != SENT and d["key"] != KAFKA]
            for i, delivery in enumerate(due):
                # the last one is recorded with the outcome below, one write instead of two
                if self._attempt(alert, delivery) and i < len(due) - 1:
                    self._record(alert.id, {"deliveries": doc["deliveries"]})
        finally:
            self.leases.release(alert.id)  # the outcome below ends the lease (lease_until = now)
        now = utcnow()
        passes = int(doc.get("passes", 0)) + 1
        status = SENT if all(d["status"] == SENT for d in doc["deliveries"]) else PENDING
        if status == PENDING and now - alert.fired_at > GIVE_UP:
            status = FAILED
        fields = {
            "status": status,
            "deliveries": doc["deliveries"],
            "passes": passes,
            "lease_until": iso(now),
            "next_attempt_at": iso(now + backoff(passes, self.settings.retry_pending_after_s)),
        }
        self._record(alert.id, fields)

    def _record(self, alert_id: str, fields: dict[str, Any]) -> None:
        """Save to the alert's document, retried with backoff while Elasticsearch fails."""
        retrying = Retrying(
            stop=stop_after_delay(RECORD_FOR_S),
            wait=wait_exponential(multiplier=0.5, max=10),
            retry=retry_if_exception_type((TransportError, ApiError)),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self.store.save(alert_id, fields)

    def _sent(self, alert: Alert, delivery: dict[str, Any]) -> None:
        now = utcnow()
        delivery["status"], delivery["sent_at"] = SENT, iso(now)
        kind = _kind(delivery)
        metrics.DELIVERIES.labels(kind, "sent").inc()
        metrics.DELIVERY_SECONDS.labels(kind).observe(max(0.0, (now - alert.fired_at).total_seconds()))

    def _failed(self, alert: Alert, delivery: dict[str, Any], exc: Exception) -> None:
        metrics.DELIVERIES.labels(_kind(delivery), "failed").inc()
        delivery["errors"] = [*delivery["errors"], {"at": iso(utcnow()), "error": str(exc)}][-MAX_ERRORS:]
        log.warning("alert %s: %s delivery failed: %s", alert.id, delivery["key"], exc)

    def _attempt(self, alert: Alert, delivery: dict[str, Any]) -> bool:
        """One notifier delivery, retried with backoff (tenacity) within this pass; True when sent."""
        send = notifier_for(Notify.model_validate(delivery["target"]), self.settings, self._http).send
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.send_attempts),
            wait=wait_exponential(multiplier=self.settings.send_backoff_s, max=10),
            retry=retry_if_exception_type(DeliveryError),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    delivery["attempts"] += 1
                    send(alert)
            self._sent(alert, delivery)
            return True
        except DeliveryError as exc:
            self._failed(alert, delivery, exc)
            return False

    def _publish(self, jobs: list[tuple[Alert, dict[str, Any]]]) -> set[str]:
        """The Kafka topic `alerts`: every message sent at once, then acknowledged (the producer retries);
        returns the ids of the alerts published."""
        if not jobs:
            return set()
        try:
            with self._lock:  # the alerter fires from several threads
                if self._producer is None:
                    self._producer = dk.producer(self.settings, linger_ms=5)
            topic = self.settings.topic(dk.ALERTS)
            futures = [
                self._producer.send(topic, key=alert.rule.encode(), value=orjson.dumps(alert.body()))
                for alert, _ in jobs
            ]
            self._producer.flush(timeout=self.settings.notify_timeout_s)
        except (KafkaError, DozorError) as exc:
            for alert, delivery in jobs:
                delivery["attempts"] += 1
                self._failed(alert, delivery, DeliveryError(f"Kafka topic {dk.ALERTS}: {type(exc).__name__}: {exc}"))
            return set()
        published: set[str] = set()
        for (alert, delivery), future in zip(jobs, futures, strict=True):
            delivery["attempts"] += 1
            try:
                future.get(timeout=self.settings.notify_timeout_s)
                self._sent(alert, delivery)
                published.add(alert.id)
            except KafkaError as exc:
                self._failed(alert, delivery, DeliveryError(f"Kafka topic {dk.ALERTS}: {type(exc).__name__}: {exc}"))
        return published

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.leases.close()
        self._http.close()
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

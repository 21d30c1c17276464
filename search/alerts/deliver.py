"""Firing and delivering alerts: claim the alert keys (create-only: of two alerters one wins each key),
publish each alert to the Kafka topic `alerts` (key = rule name) and send it to each notifier, retrying
with backoff. What still fails stays pending with its errors recorded; a later pass retries only what
failed. A batch of alerts costs one claim request and one status request; sends run in parallel."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
from kafka.errors import KafkaError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from dozor import kafka as dk
from dozor.errors import DozorError
from dozor.records import utcnow
from search.alerts.alert import Alert
from search.alerts.notifiers import DeliveryError, notifier_for
from search.alerts.rules import Notify
from search.alerts.settings import AlertSettings
from search.alerts.state import FAILED, PENDING, SENT, SUPPRESSED, AlertStore, backoff, iso

log = logging.getLogger(__name__)

KAFKA = "kafka"
LEASE = timedelta(minutes=2)  # how long a process owns an alert it is sending
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


class Dispatcher:
    def __init__(self, store: AlertStore, settings: AlertSettings) -> None:
        self.store = store
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._producer: Any = None
        self._producer_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=settings.send_workers, thread_name_prefix="dozor-send")
        self.sent = 0
        self.failed = 0

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
            "post_id": (alert.post or {}).get("id"),
            "fired_at": iso(alert.fired_at),
            "next_attempt_at": iso(now),
            "lease_until": iso(now + LEASE),
            "owner": self.owner,
            "acked": False,
            "alert": alert.body(),
            "deliveries": deliveries,
        }

    def fire(self, batch: list[Fired]) -> set[str]:
        """Record and send new alerts; returns the ids this process claimed (the others were duplicates)."""
        docs = [self._doc(f) for f in batch]
        won = self.store.claim_many(docs)
        self.deliver([d for d in docs if d["id"] in won and d["status"] == PENDING])
        return won

    def retry_due(self, ignore_schedule: bool = False) -> int:
        """Retry the pending alerts whose time has come (and that no other process holds)."""
        now = utcnow()
        leased = [doc for doc in self.store.due(now, ignore_schedule) if self.store.lease(doc, now + LEASE)]
        self.deliver(leased)
        return len(leased)

    def deliver(self, docs: list[dict[str, Any]]) -> None:
        """Send every delivery of these alerts that is not sent yet, then record the outcome."""
        if not docs:
            return
        jobs = [
            (Alert.model_validate(doc["alert"]), d) for doc in docs for d in doc["deliveries"] if d["status"] != SENT
        ]
        list(self._pool.map(lambda job: self._attempt(*job), jobs))
        now = utcnow()
        updates: dict[str, dict[str, Any]] = {}
        for doc in docs:
            passes = int(doc.get("passes", 0)) + 1
            status = SENT if all(d["status"] == SENT for d in doc["deliveries"]) else PENDING
            if status == PENDING and now - Alert.model_validate(doc["alert"]).fired_at > GIVE_UP:
                status = FAILED
            wait = (
                backoff(passes, self.settings.retry_pending_after_s)
                if self.settings.retry_pending_after_s
                else timedelta()
            )
            fields = {
                "status": status,
                "deliveries": doc["deliveries"],
                "passes": passes,
                "lease_until": iso(now),
                "next_attempt_at": iso(now + wait),
            }
            doc.update(fields)
            updates[doc["id"]] = fields
        self.store.save_many(updates)

    def _attempt(self, alert: Alert, delivery: dict[str, Any]) -> None:
        try:
            self._send_with_retries(alert, delivery)
            delivery["status"], delivery["sent_at"] = SENT, iso(utcnow())
            self.sent += 1
        except DeliveryError as exc:
            delivery["errors"] = [*delivery["errors"], {"at": iso(utcnow()), "error": str(exc)}][-MAX_ERRORS:]
            self.failed += 1
            log.warning("alert %s: %s delivery failed: %s", alert.id, delivery["key"], exc)

    def _send_with_retries(self, alert: Alert, delivery: dict[str, Any]) -> None:
        if delivery["key"] == KAFKA:
            send = self._kafka
        else:
            send = notifier_for(Notify.model_validate(delivery["target"]), self.settings).send
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.send_attempts),
            wait=wait_exponential(multiplier=self.settings.send_backoff_s, max=10),
            retry=retry_if_exception_type(DeliveryError),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                delivery["attempts"] += 1
                send(alert)

    def _kafka(self, alert: Alert) -> None:
        try:
            with self._producer_lock:
                if self._producer is None:
                    self._producer = dk.producer(self.settings, linger_ms=5)
            future = self._producer.send(
                self.settings.topic(dk.ALERTS), key=alert.rule.encode(), value=orjson.dumps(alert.body())
            )
            future.get(timeout=self.settings.notify_timeout_s)
        except (KafkaError, DozorError) as exc:
            raise DeliveryError(f"Kafka topic {dk.ALERTS}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

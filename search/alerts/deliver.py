"""Firing and delivering alerts: claim the alert key (create-only: of two alerters one wins), publish
it to the Kafka topic `alerts` (key = rule name) and send it to each notifier, retrying with backoff.
What still fails stays pending with its errors recorded, and a later pass retries only what failed."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
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
        self.sent = 0
        self.failed = 0

    def fire(self, alert: Alert, targets: list[Notify], suppressed: bool = False) -> bool:
        """Record and send a new alert; False when its key was already claimed (a duplicate)."""
        now = utcnow()
        deliveries = [] if suppressed else [_delivery(KAFKA, None)]
        deliveries += [] if suppressed else [_delivery(f"{i}:{t.kind}", t) for i, t in enumerate(targets)]
        doc: dict[str, Any] = {
            "id": alert.id,
            "rule": alert.rule,
            "type": alert.type,
            "status": SUPPRESSED if suppressed else PENDING,
            "post_id": (alert.post or {}).get("id"),
            "fired_at": iso(alert.fired_at),
            "next_attempt_at": iso(now),
            "lease_until": iso(now + LEASE),
            "owner": self.owner,
            "acked": False,
            "alert": alert.body(),
            "deliveries": deliveries,
        }
        if not self.store.claim(doc):
            return False
        if not suppressed:
            self.deliver(doc)
        return True

    def retry_due(self) -> int:
        """Retry the pending alerts whose time has come (and that no other process holds)."""
        now = utcnow()
        done = 0
        for doc in self.store.due(now):
            if self.store.lease(doc, now + LEASE):
                self.deliver(doc)
                done += 1
        return done

    def deliver(self, doc: dict[str, Any]) -> None:
        alert = Alert.model_validate(doc["alert"])
        deliveries: list[dict[str, Any]] = doc["deliveries"]
        for d in deliveries:
            if d["status"] == SENT:
                continue
            try:
                self._send_with_retries(alert, d)
                d["status"], d["sent_at"] = SENT, iso(utcnow())
                self.sent += 1
            except DeliveryError as exc:
                d["errors"] = [*d["errors"], {"at": iso(utcnow()), "error": str(exc)}][-MAX_ERRORS:]
                self.failed += 1
                log.warning("alert %s: %s delivery failed: %s", alert.id, d["key"], exc)
        now = utcnow()
        passes = int(doc.get("passes", 0)) + 1
        status = SENT if all(d["status"] == SENT for d in deliveries) else PENDING
        if status == PENDING and now - alert.fired_at > GIVE_UP:
            status = FAILED
        fields = {
            "status": status,
            "deliveries": deliveries,
            "passes": passes,
            "lease_until": iso(now),
            "next_attempt_at": iso(now + backoff(passes, self.settings.retry_pending_after_s)),
        }
        if status == PENDING and self.settings.retry_pending_after_s == 0:
            fields["next_attempt_at"] = iso(now)
        self.store.save(alert.id, fields)
        doc.update(fields)

    def _send_with_retries(self, alert: Alert, delivery: dict[str, Any]) -> None:
        send = self._kafka if delivery["key"] == KAFKA else notifier_for(Notify(**delivery["target"]), self.settings).send
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
            if self._producer is None:
                self._producer = dk.producer(self.settings, linger_ms=0)
            future = self._producer.send(
                self.settings.topic(dk.ALERTS), key=alert.rule.encode(), value=orjson.dumps(alert.body())
            )
            future.get(timeout=self.settings.notify_timeout_s)
        except (KafkaError, DozorError) as exc:
            raise DeliveryError(f"Kafka topic {dk.ALERTS}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None


def is_due(doc: dict[str, Any], now: datetime) -> bool:
    return doc.get("status") == PENDING and datetime.fromisoformat(doc["next_attempt_at"]) <= now

"""The leases of the alerts a process is sending. An alert is owned by the process that claimed or
leased it until ``lease_until``; while its notifications run, a background thread renews the lease every
third of its length, so a lease can be short (another alerter takes over the alerts of a dead one
soon after it died) while a slow send is never taken over by a live one."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from elastic_transport import TransportError
from elasticsearch import ApiError

from alerts.state import AlertStore, iso
from dozor.records import utcnow

log = logging.getLogger(__name__)


class Leases:
    def __init__(self, store: AlertStore, length_s: float) -> None:
        self.store = store
        self.length = timedelta(seconds=length_s)
        self._held: set[str] = set()
        self._lock = threading.Lock()  # guards _held
        self._renewing = threading.Lock()  # held across one renewal request, so a release waits it out
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def until(self) -> datetime:
        """The end of a lease taken now."""
        return utcnow() + self.length

    def hold(self, alert_id: str) -> bool:
        """Start renewing an alert's lease; False when this process is already sending it."""
        with self._lock:
            if alert_id in self._held:
                return False
            self._held.add(alert_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="dozor-lease")
                self._thread.start()
        return True

    def held(self, alert_id: str) -> bool:
        with self._lock:
            return alert_id in self._held

    def release(self, alert_id: str) -> None:
        """Stop renewing; once this returns no renewal of this alert is in flight (its outcome can be saved)."""
        with self._renewing, self._lock:
            self._held.discard(alert_id)

    def _run(self) -> None:
        every = self.length.total_seconds() / 3
        while not self._stop.wait(every):
            with self._renewing:
                with self._lock:
                    ids = sorted(self._held)
                if not ids:
                    continue
                try:
                    self.store.renew(ids, iso(self.until()), timeout_s=every)
                except (TransportError, ApiError) as exc:  # the next round tries again; the lease may run out
                    log.warning("alert leases not renewed (%d alerts): %s", len(ids), type(exc).__name__)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

"""The faults of a run and how long the pipeline took to recover from each: at every fault a canary post
goes to each channel (so to every partition); recovery is the time from the fault until the last canary
was indexed, and until its alert reached the webhook."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.chaos.services import Services
from tests.chaos.stack import PrivateStack
from tests.chaos.workload import CHANNELS, Workload, alert_id, post_id


@dataclass
class Fault:
    kind: str  # "kill", "es down", "broker restart"
    target: str
    at: datetime
    down_s: float = 0.0  # until restarted (kill), healthy again (es, broker)
    canaries: list[tuple[str, str]] = field(default_factory=list)  # (post id, alert id)

    def recovery(self, indexed: dict[str, datetime], alerted: dict[str, float]) -> tuple[float | None, float | None]:
        """Seconds from the fault until every canary was indexed, and until every canary alert arrived."""
        t0 = self.at.timestamp()
        idx = [indexed[p].timestamp() - t0 for p, _ in self.canaries if p in indexed]
        alr = [alerted[a] - t0 for _, a in self.canaries if a in alerted]
        full = len(self.canaries)
        return (max(idx) if len(idx) == full else None, max(alr) if len(alr) == full else None)


class Chaos:
    """Two threads: one kills stage members at random moments and restarts them after 0.5-3 s; the other
    stops Elasticsearch for ``es_down_s`` and restarts the broker. No kill happens during an outage or
    before the outage's canaries are indexed, so each outage's recovery time is its own. Both threads stop
    by themselves."""

    def __init__(self, stack: PrivateStack, services: Services, work: Workload, publish: Any, seed: int,
                 indexed: Callable[[list[str]], bool]) -> None:  # fmt: skip
        self.stack, self.services, self.work, self.publish = stack, services, work, publish
        self.indexed = indexed
        self._quiet = threading.Lock()  # held by an outage until it has recovered
        self.rng = random.Random(seed)
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.errors: list[str] = []  # a fault that could not be carried out (the run then fails)

    def _guarded(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        except Exception as exc:  # reported by the run: a chaos run whose faults did not happen proves nothing
            self.errors.append(f"{target.__name__}: {exc!r}")

    def _fault(self, kind: str, target: str) -> Fault:
        fault = Fault(kind, target, datetime.now(UTC))
        with self._lock:
            n = len(self.faults)
            self.faults.append(fault)
            records = [self.work.canary(n * CHANNELS + k, fault.at) for k in range(CHANNELS)]
        fault.canaries = [(post_id(r["channel"]["id"], r["message_id"]), alert_id(r["channel"]["id"], r["message_id"]))
                          for r in records]  # fmt: skip
        threading.Thread(target=self.publish, args=(records,), daemon=True).start()
        return fault

    def _kills(self, count: int, window_s: float) -> None:
        moments = sorted(self.rng.uniform(0.05, 1.0) * window_s for _ in range(count))
        t0 = time.monotonic()
        for moment in moments:
            time.sleep(max(0.0, t0 + moment - time.monotonic()))
            name = self.rng.choice(sorted(self.services.members))
            with self._quiet:
                fault = self._fault("kill", name)
                self.services.kill(name)
                time.sleep(self.rng.uniform(0.5, 3.0))
                self.services.restart(name)
                fault.down_s = (datetime.now(UTC) - fault.at).total_seconds()

    def _recovered(self, fault: Fault, limit_s: float = 300.0) -> None:
        deadline = time.monotonic() + limit_s
        while not self.indexed([p for p, _ in fault.canaries]) and time.monotonic() < deadline:
            time.sleep(1.0)

    def _outages(self, es_down_s: float, broker_restarts: int, window_s: float) -> None:
        t0 = time.monotonic()
        if es_down_s > 0:
            time.sleep(max(0.0, t0 + 0.25 * window_s - time.monotonic()))
            with self._quiet:
                fault = self._fault("es down", "elasticsearch")
                self.stack.es_stop()
                time.sleep(es_down_s / 2)
                # A service started while Elasticsearch is away must wait for it, not leave.
                restarted = [self.rng.choice([m for m in sorted(self.services.members) if m.startswith(stage)])
                             for stage in ("index", "alert")]  # fmt: skip
                for name in restarted:
                    self.services.kill(name)
                    self.services.restart(name)
                fault.target = f"es (+{', '.join(restarted)})"
                time.sleep(es_down_s / 2)
                self.stack.es_start()
                fault.down_s = (datetime.now(UTC) - fault.at).total_seconds()
                self._recovered(fault)
        for n in range(broker_restarts):
            time.sleep(max(15.0, t0 + (0.6 + 0.3 * n / max(broker_restarts, 1)) * window_s - time.monotonic()))
            with self._quiet:
                fault = self._fault("broker restart", "kafka")
                self.stack.kafka_restart()
                fault.down_s = (datetime.now(UTC) - fault.at).total_seconds()
                self._recovered(fault)

    def start(self, kills: int, es_down_s: float, broker_restarts: int, window_s: float) -> None:
        self._threads = [
            threading.Thread(target=self._guarded, args=(self._kills, kills, window_s), daemon=True),
            threading.Thread(
                target=self._guarded, args=(self._outages, es_down_s, broker_restarts, window_s), daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

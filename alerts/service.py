"""The alerter: tails the posts indexed since its watermark (``indexed_at``), has Elasticsearch match
them against every rule, fires what is new (once: the alert key is claimed create-only) and retries
what is pending. ``drain()`` does one pass and returns; ``run_forever()`` is the service, which rides
out an Elasticsearch outage from its first request on (start-up included): it reports itself degraded,
retries with backoff and resumes from its watermark, so nothing indexed meanwhile is skipped."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch

from alerts import aggregate, perpost
from alerts.alert import Alert
from alerts.deliver import Dispatcher, Fired
from alerts.evaluate import Evaluator
from alerts.inflight import PassesInFlight
from alerts.kind import ActiveRule
from alerts.kinds import kind_of
from alerts.rules import Rule
from alerts.ruleset import load_all
from alerts.settings import AlertSettings
from alerts.state import AlertStore, throttle_claim
from dozor import es as des
from dozor import metrics
from dozor.records import utcnow
from search import index as ix
from search.hits import SearchHit

log = logging.getLogger(__name__)

HANDLED_KEYS = 200_000  # alert keys this process has already seen, so the overlap is not re-claimed
RELOAD_S = 10.0  # how often the service reloads the rules (file, API, saved searches)
FLATLINE_S = 60.0  # how often the service checks for silent channels
MAX_PASSES_IN_FLIGHT = 16  # then a pass waits for the oldest one's alerts (Elasticsearch slower than the posts)
SERVICE = "alert"  # its name in metrics (dozor_degraded{service="alert"})


@dataclass
class AlertStats:
    evaluated_posts: int = 0
    fired: int = 0
    duplicates: int = 0
    suppressed: int = 0
    cycles: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("evaluate", "fire"), 0.0))

    def summary(self) -> str:
        return f"{self.fired} alerts fired, {self.suppressed} suppressed, {self.duplicates} already fired"

    def timing(self) -> str:
        per = ", ".join(f"{k} {v / max(self.cycles, 1) * 1000:.0f} ms" for k, v in self.seconds.items())
        return f"{self.cycles} passes; per pass: {per}"


class Alerter:
    def __init__(self, settings: AlertSettings, rules_path: Path | None, es: Elasticsearch | None = None) -> None:
        self.settings = settings
        self.rules_path = rules_path
        # a connection for each thread that may wait on Elasticsearch (rule builds, sends, lease renewals)
        self.es = es or des.client(settings, connections_per_node=settings.send_workers + 16)
        self.store = AlertStore(self.es, settings)
        self._ensured = False  # the alert indices exist (made at the first load)
        self.degraded: str | None = None  # why the service is waiting for Elasticsearch, while it is
        self.dispatcher = Dispatcher(self.store, settings)
        self.inflight = PassesInFlight(workers=8, max_passes=MAX_PASSES_IN_FLIGHT)  # per-rule build and fire
        self._firing: set[str] = set()  # the alert keys of the jobs in flight (guarded by _lock)
        self.evaluator = Evaluator(self.es, settings, incremental=True)
        self.rules: list[ActiveRule] = []
        self.first_seen: dict[str, datetime] = {}
        self.watermark: datetime | None = None  # read from the store at the first cycle
        self.handled: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # guards handled and stats
        self.stats = AlertStats()
        self._stop = threading.Event()
        self._last_flatline = 0.0

    # ---- rules -------------------------------------------------------------------------------------

    def load(self) -> None:
        rules = load_all(self.es, self.store, self.settings, self.rules_path)  # a bad rules file fails first
        if not self._ensured:
            self.store.ensure()
            self._ensured = True
        # a name's first sighting never changes: only new names are asked for (1,000 saved searches)
        known = {r.name: self.first_seen[r.name] for r in rules if r.name in self.first_seen}
        self.first_seen = known | self.store.first_seen([r.name for r in rules if r.name not in known], utcnow())
        self.rules = rules

    # ---- one pass ----------------------------------------------------------------------------------

    def cycle(self, upper: datetime, flatline: bool) -> None:
        """Evaluate what was indexed up to ``upper`` since the watermark (minus the overlap), and start
        firing what is new; the watermark moves as the passes before are done (``_settle``)."""
        if self.watermark is None:
            self.watermark = self.store.watermark()
        if self.watermark is None:  # first run: nothing indexed before now is new
            self.store.set_watermark(upper)
            self.watermark = upper
        self._settle()
        lower = self.watermark - timedelta(seconds=self.settings.alert_overlap_s)
        started = time.perf_counter()
        matches = self.evaluator.run(self.rules, self.first_seen, lower, upper)
        evaluated = time.perf_counter()
        self.stats.seconds["evaluate"] += evaluated - started
        self.stats.evaluated_posts += matches.posts
        now = utcnow()
        by_name = {r.name: r for r in self.rules}
        counted: dict[str, list[Alert]] = {}
        per_post: dict[str, list[tuple[str, SearchHit]]] = {}
        for name, hits in matches.by_rule.items():
            active = by_name[name]
            kind = kind_of(active.rule)
            if kind.per_post:
                per_post[name] = perpost.candidates(active.rule, hits)
            else:  # a count rule: a new match is the moment to count again
                counted[name] = kind.check(self.es, self.settings, active, now)
        if flatline:
            for active in self.rules:
                if kind_of(active.rule).scheduled:
                    counted[active.name] = kind_of(active.rule).check(self.es, self.settings, active, now)
        fresh = self._fresh({key for found in per_post.values() for key, _ in found})
        jobs: dict[str, Callable[[], None]] = {}
        for name, found in per_post.items():
            wanted = [c for c in found if c[0] in fresh]
            if wanted:
                build = partial(self._build_and_fire, by_name[name].rule, wanted, now, by_name)
                jobs[name] = self._job([key for key, _ in wanted], build)
        for name, alerts in counted.items():
            with self._lock:
                alerts = [a for a in alerts if a.id not in self.handled and a.id not in self._firing]
            if alerts:
                jobs[name] = self._job([a.id for a in alerts], partial(self._fire, alerts, by_name))
        # Each rule's alerts are built (a highlight search) and fired as soon as they are ready, side by
        # side, and the next pass does not wait for them: a burst of one rule's does not hold back the others.
        self.inflight.submit(upper, jobs)
        self._settle()
        self.stats.seconds["fire"] += time.perf_counter() - evaluated
        self.stats.cycles += 1

    def _settle(self, block: bool = False) -> None:
        """Move the watermark to the newest pass whose alerts are claimed, with every pass before it. A
        failed pass (its error raised here) is evaluated again: its posts are forgotten as evaluated."""
        try:
            upper = self.inflight.settle(block)
        except Exception:
            self.evaluator.forget()
            raise
        if upper is not None and self.watermark is not None and upper > self.watermark:
            self.store.set_watermark(upper)
            self.watermark = upper

    def _job(self, keys: list[str], work: Callable[[], None]) -> Callable[[], None]:
        """``work`` as a job of this pass: its alert keys are being fired (not new) until it is over."""
        with self._lock:
            self._firing.update(keys)

        def job() -> None:
            try:
                work()
            finally:
                with self._lock:
                    self._firing.difference_update(keys)

        return job

    def _build_and_fire(
        self, rule: Rule, wanted: list[tuple[str, SearchHit]], now: datetime, by_name: dict[str, ActiveRule]
    ) -> None:
        alerts = perpost.build(self.es, self.settings, rule, wanted, now)
        self._fire([a for a in alerts if a.id not in self.handled], by_name)

    def _fresh(self, keys: set[str]) -> set[str]:
        """The alert keys not fired yet, by this process (in memory) or any other (in the store)."""
        with self._lock:  # a key a pass in flight is firing is not new
            new = [key for key in keys if key not in self.handled and key not in self._firing]
        fired = self.store.exists(new)
        with self._lock:
            for key in fired:
                self._remember(key)
            self.stats.duplicates += len(fired)
        return {key for key in new if key not in fired}

    def _fire(self, alerts: list[Alert], by_name: dict[str, ActiveRule]) -> None:
        batch = []
        for alert in alerts:
            rule = by_name[alert.rule].rule
            suppressed = False
            if rule.realert is not None and kind_of(rule).per_post:
                period = aggregate.period_start(alert.fired_at, rule.realert)
                suppressed = not throttle_claim(self.store, rule.name, period)
            batch.append(Fired(alert, list(rule.notify), suppressed))
        won = self.dispatcher.fire(batch)
        with self._lock:  # passes fire from the build threads
            self._count(batch, won)

    def _count(self, batch: list[Fired], won: set[str]) -> None:
        for item in batch:
            self._remember(item.alert.id)
            if item.alert.id not in won:
                self.stats.duplicates += 1
            elif item.suppressed:
                self.stats.suppressed += 1
            else:
                self.stats.fired += 1
                metrics.ALERTS_FIRED.labels(item.alert.rule).inc()
                log.info("alert %s: %s", item.alert.id, item.alert.summary)

    def _remember(self, key: str) -> None:
        self.handled[key] = None
        while len(self.handled) > HANDLED_KEYS:
            self.handled.popitem(last=False)

    # ---- entry points ------------------------------------------------------------------------------

    def drain(self) -> AlertStats:
        """Evaluate everything indexed since the watermark, send, retry within the deadline, return."""
        deadline = time.monotonic() + self.settings.drain_deadline_s
        try:
            if des.health(self.es) is None:  # a one-shot run fails at once, naming what is missing
                raise des.unreachable(self.settings)
            self.load()
            self.es.indices.refresh(index=ix.posts_alias(self.settings), ignore_unavailable=True, allow_no_indices=True)
            self.dispatcher.retry_due(ignore_schedule=True)  # what earlier runs left pending
            self.cycle(utcnow(), flatline=True)
            self._settle(block=True)
            self.dispatcher.wait()
            while self.store.pending_count(retryable_at=utcnow()) and time.monotonic() < deadline:
                time.sleep(min(max(self.settings.retry_pending_after_s, 0.05), max(deadline - time.monotonic(), 0)))
                self.dispatcher.retry_due(ignore_schedule=True)
                self.dispatcher.wait()
        finally:
            self.close()
        return self.stats

    def run_forever(self) -> AlertStats:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self.stop())
        metrics.set_degraded(SERVICE, False)
        try:
            loaded: float | None = None  # when the rules were loaded; the first load is retried like a pass
            failing = 0
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    if loaded is None:
                        self.load()
                        log.info("alerter running with %d rules", len(self.rules))
                        loaded = time.monotonic()
                    elif time.monotonic() - loaded > RELOAD_S:
                        self._reload()
                        loaded = time.monotonic()
                    self._pass()
                except (TransportLayerError, ApiError) as exc:  # the watermark holds: nothing is skipped
                    failing += 1
                    wait = min(2.0**failing, 30.0)
                    self.degraded = f"Elasticsearch failed ({type(exc).__name__}: {_first_line(exc)})"
                    metrics.set_degraded(SERVICE, True)
                    log.warning("alerter degraded: %s; retrying in %.0fs", self.degraded, wait)
                    self._stop.wait(wait)
                    continue
                if failing:
                    log.info("alerter resumed after %d failed attempts", failing)
                    failing, self.degraded = 0, None
                    metrics.set_degraded(SERVICE, False)
                # from the start of the pass: a busy pass (1,000 saved searches) is followed at once
                self._stop.wait(max(0.0, self.settings.alert_poll_s - (time.monotonic() - began)))
        finally:
            self._last_settle()
            self.close()
            log.info("alerter stopped: %s; %s", self.stats.summary(), self.stats.timing())
        return self.stats

    def _pass(self) -> None:
        flatline = time.monotonic() - self._last_flatline > FLATLINE_S
        if flatline:
            self._last_flatline = time.monotonic()
        self.cycle(utcnow() - timedelta(seconds=self.settings.alert_lag_s), flatline=flatline)
        self.dispatcher.retry_due()

    def _reload(self) -> None:
        try:
            self.load()
        except Exception as exc:  # a bad edit of the rules file must not stop the alerter
            log.error("rules not reloaded, keeping the previous ones: %s", exc)

    def _last_settle(self) -> None:
        """On the way out, the watermark of what the passes in flight fire (else the next start redoes it)."""
        try:
            self._settle(block=True)
        except Exception as exc:  # the next start evaluates them again, from the watermark
            log.warning("alerter stopping: its last passes not settled: %s", _first_line(exc))

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.inflight.close()
        self.dispatcher.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]

"""Prometheus metrics of every Dozor service, defined once here (names ``dozor_*``) with the official
client. The stage runner (:mod:`dozor.stream`) records the generic ones (records in and out, dead
letters, batch latency, consumer lag, degraded), so every stage has them; the indexer, the alerter and
the collector add theirs. A service without an HTTP server of its own serves them with
:func:`serve` on ``DOZOR_METRICS_PORT`` (0: none, e.g. for a ``--drain`` run); the API serves
``/metrics`` on its own app.

Label values stay bounded: stages, topics, notifier kinds, accounts, registry channels, partitions, and for dead letters
the kind of error (an exception class name, at most :data:`MAX_REASONS` of them per process)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from dozor import logs
from dozor.errors import ConfigError

if TYPE_CHECKING:
    from dozor.settings import DozorSettings

log = logging.getLogger(__name__)

# Seconds; batches and bulk requests take milliseconds to a few seconds, a delivery up to a retry later.
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_DELIVERY = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)

RECORDS_IN = Counter("dozor_records_in", "Records a stage consumed", ["stage", "topic"])
RECORDS_OUT = Counter(
    "dozor_records_out", "Records a stage wrote (acknowledged by Kafka; by the collector: sent)", ["stage", "topic"]
)
DLQ = Counter("dozor_dlq_records", "Records a stage sent to the DLQ, by kind of error", ["stage", "reason"])
BATCH_SECONDS = Histogram(
    "dozor_batch_seconds", "Time to process, write and commit one batch", ["stage"], buckets=_FAST
)
LAG = Gauge(
    "dozor_consumer_lag", "Records behind a partition's end (end offset - position)", ["stage", "topic", "partition"]
)
DEGRADED = Gauge("dozor_degraded", "1 while the service waits out a Kafka or Elasticsearch failure", ["service"])
ES_BULK_SECONDS = Histogram(
    "dozor_es_bulk_seconds", "Duration of one Elasticsearch bulk request", ["stage"], buckets=_FAST
)
ALERTS_FIRED = Counter("dozor_alerts_fired", "Alerts fired (claimed by this alerter, not suppressed)", ["rule"])
DELIVERIES = Counter("dozor_alert_deliveries", "Alert deliveries by notifier kind and outcome", ["kind", "outcome"])
DELIVERY_SECONDS = Histogram(
    "dozor_alert_delivery_seconds",
    "From an alert firing to its delivery by one notifier (retries included)",
    ["kind"],
    buckets=_DELIVERY,
)
FLOODWAIT_SECONDS = Counter("dozor_floodwait_seconds", "Seconds Telegram asked an account to wait", ["account"])
CHANNEL_ERRORS = Counter("dozor_channel_errors", "Channels the collector could not read this pass, by error", ["error"])
FLOODWAITS = Counter("dozor_floodwaits", "FloodWait errors from Telegram", ["account"])
FLOODWAIT_LEFT = Gauge("dozor_floodwait_remaining_seconds", "Seconds left of an account's FloodWait pause", ["account"])
ACCOUNT_STATE = Gauge(
    "dozor_collector_account_state",
    "1 for the state a Telegram account is in (collecting, or why it stopped: ingest/states.py)",
    ["account", "state"],
)
CHANNEL_STATE = Gauge(
    "dozor_channel_state",
    "1 for the state a registry channel is in (pending, ok, private, gone, banned, error, stopped)",
    ["channel", "state"],
)
# Labelled by the service that reads them, so a service that does not look at the store shows no series.
STORE_OBJECTS = Gauge("dozor_blob_store_objects", "Objects in the media blob store", ["service"])
STORE_BYTES = Gauge("dozor_blob_store_bytes", "Bytes in the media blob store", ["service"])

MAX_REASONS = 30  # distinct dead-letter kinds per process; later ones count as "other"
_ERROR_NAME = re.compile(r"([A-Z][A-Za-z0-9_]*)(?::|$)")
_reasons: set[str] = set()
_reasons_lock = threading.Lock()


def reason_kind(reason: str) -> str:
    """A bounded label for a dead letter's one-line reason (see :func:`dozor.dlq.describe`): the exception
    class it names, ``invalid`` for a record that failed validation, else ``other``."""
    found = _ERROR_NAME.match(reason)
    kind = found.group(1) if found else ("invalid" if reason.startswith("invalid") else "other")
    with _reasons_lock:
        if kind not in _reasons:
            if len(_reasons) >= MAX_REASONS:
                return "other"
            _reasons.add(kind)
    return kind


def set_degraded(service: str, degraded: bool) -> None:
    DEGRADED.labels(service).set(1 if degraded else 0)


def serve(port: int, host: str, setting: str = "DOZOR_METRICS_PORT") -> int | None:
    """Serve ``/metrics`` from a background thread on ``host:port``; port 0 serves nothing. Returns the
    port, or None. A port that cannot be bound fails at start, naming the setting."""
    if not port:
        return None
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        raise ConfigError(
            f"{setting}={port}: cannot serve metrics on {host}:{port} ({exc.strerror or exc}); "
            "choose a free port, or 0 for no metrics server"
        ) from None
    log.info("metrics at http://%s:%d/metrics", host, port)
    return port


def start(settings: DozorSettings, port: int | None = None) -> int | None:
    """A service's metrics server: on ``port`` (the command's --metrics-port) or DOZOR_METRICS_PORT."""
    if port is None:
        return serve(settings.metrics_port, settings.metrics_host)
    return serve(port, settings.metrics_host, setting="--metrics-port")


class Usage(Protocol):
    """What ``BlobStore.usage()`` returns (media/store.py)."""

    @property
    def objects(self) -> int: ...

    @property
    def bytes(self) -> int: ...


def watch_store(usage: Callable[[], Usage], every_s: float = 300.0) -> threading.Event:
    """Keep the blob store gauges up to date from ``usage()`` (a full listing, so rarely: every
    ``every_s`` seconds) in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    objects, size = STORE_OBJECTS.labels(logs.service()), STORE_BYTES.labels(logs.service())

    def loop() -> None:
        while True:
            try:
                found = usage()
                objects.set(found.objects)
                size.set(found.bytes)
            except Exception as exc:  # the store may be down for a while; the gauges keep their last values
                log.debug("blob store usage not read: %s", exc)
            if stop.wait(every_s):
                return

    threading.Thread(target=loop, name="dozor-store-usage", daemon=True).start()
    return stop


# ---- the HTTP API (surfaces/api/metrics.py) --------------------------------------------------------
HTTP_REQUESTS = Counter("dozor_http_requests", "API and web UI requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram("dozor_http_request_seconds", "API and web UI request duration", ["route"], buckets=_FAST)

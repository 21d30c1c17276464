"""`up`, `down` and `status` of the local stack as plain functions (the CLI only prints)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from dozor.errors import DozorError
from dozor.settings import DozorSettings
from dozor.stack.endpoints import Endpoints
from dozor.stack.es_node import ESNode
from dozor.stack.fetch import ensure_es_zip, ensure_kafka
from dozor.stack.kafka_node import KafkaNode
from dozor.stack.paths import StackPaths
from dozor.stack.versions import ES_VERSION, KAFKA_VERSION

log = logging.getLogger(__name__)


@dataclass
class ServiceStatus:
    name: str
    version: str
    address: str
    healthy: bool
    detail: str
    managed_pid: int | None


class LocalStack:
    def __init__(self, settings: DozorSettings, paths: StackPaths | None = None) -> None:
        self.settings = settings
        self.paths = paths or StackPaths.default()
        self.ep = Endpoints.from_settings(settings)
        self.kafka = KafkaNode(self.paths, self.ep, self.paths.kafka_lib)
        self.es = ESNode(self.paths, self.ep)

    def status(self) -> list[ServiceStatus]:
        es_health = self.es.health()
        return [
            ServiceStatus(
                "kafka",
                KAFKA_VERSION,
                f"{self.ep.kafka_host}:{self.ep.kafka_port}",
                self.kafka.healthy(),
                "KRaft broker+controller",
                self.kafka.proc.running_pid(),
            ),
            ServiceStatus(
                "elasticsearch",
                self.es.version() or ES_VERSION,
                self.es.url,
                es_health in ("green", "yellow"),
                f"cluster {es_health or 'unreachable'}",
                self.es.proc.running_pid(),
            ),
        ]

    def healthy(self) -> bool:
        return all(s.healthy for s in self.status())

    def up(self, timeout_s: float = 120.0) -> dict[str, float]:
        """Start what is not running and wait for both; returns seconds per step."""
        timings: dict[str, float] = {}
        kafka_ok, es_ok = self.kafka.healthy(), self.es.healthy()
        if kafka_ok and es_ok:
            return timings
        t0 = time.monotonic()
        if not kafka_ok:
            self.kafka.lib = ensure_kafka(self.paths)
        if not es_ok:
            self.es.install_from(ensure_es_zip(self.paths))
        timings["fetch"] = time.monotonic() - t0
        started: list[KafkaNode | ESNode] = []
        if not es_ok:
            if self.es.proc.alive():
                raise DozorError("Elasticsearch runs but is not healthy; see `dozor stack status` and its log")
            self.es.start()
            started.append(self.es)
        if not kafka_ok:
            if self.kafka.proc.alive():
                raise DozorError("Kafka runs but is not healthy; see `dozor stack status` and its log")
            self.kafka.start()
            started.append(self.kafka)
        t1 = time.monotonic()
        try:
            # Both start concurrently; wait for the slower one.
            for node in started:
                remaining = max(1.0, timeout_s - (time.monotonic() - t1))
                node.wait_ready(remaining)
                timings[node.name] = time.monotonic() - t1
        except DozorError:
            for node in started:
                node.proc.stop(timeout_s=10)
            raise
        return timings

    def down(self) -> list[str]:
        stopped = []
        for node in (self.kafka, self.es):
            if node.proc.stop():
                stopped.append(node.name)
        return stopped

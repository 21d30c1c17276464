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
from dozor.stack.process import Managed
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
            self._wait_all(started, t1, timeout_s, timings)
        except DozorError:
            for node in started:
                node.proc.stop(timeout_s=10)
            raise
        return timings

    @staticmethod
    def _wait_all(nodes: list[KafkaNode | ESNode], t1: float, timeout_s: float, timings: dict[str, float]) -> None:
        """Both start concurrently: poll each until ready, recording each one's own start time."""
        pending = list(nodes)
        while pending:
            for node in list(pending):
                if node.ready_or_raise(timeout_s - (time.monotonic() - t1)):
                    timings[node.name] = time.monotonic() - t1
                    pending.remove(node)
            if pending:
                time.sleep(0.25)

    def down(self) -> list[str]:
        stopped = []
        # Processes `dozor demo` left running beside the stack (the web UI) go first.
        for pid_file in sorted(self.paths.run.glob("demo-*.pid")):
            if Managed(pid_file.stem, pid_file).stop(timeout_s=10):
                stopped.append(pid_file.stem)
        for node in (self.kafka, self.es):
            if node.proc.stop():
                stopped.append(node.name)
        return stopped

"""`up`, `down` and `status` of the local stack as plain functions (the CLI only prints)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dozor.errors import ConfigError, DozorError
from dozor.settings import DozorSettings, with_blobs
from dozor.stack import principals
from dozor.stack.endpoints import Endpoints
from dozor.stack.es_node import ESNode, java_home
from dozor.stack.es_secure import ESSecurity
from dozor.stack.fetch import ensure_es_zip, ensure_kafka, ensure_s3proxy
from dozor.stack.kafka_node import KafkaNode
from dozor.stack.kafka_secure import MECHANISM, apply_grants
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed
from dozor.stack.s3proxy_node import S3ProxyNode, tree_usage
from dozor.stack.secure import Security
from dozor.stack.versions import ES_VERSION, KAFKA_VERSION, S3PROXY_VERSION

log = logging.getLogger(__name__)


@dataclass
class ServiceStatus:
    name: str
    version: str
    address: str
    healthy: bool
    detail: str
    managed_pid: int | None


Node = KafkaNode | ESNode | S3ProxyNode
SERVICES = ("elasticsearch", "kafka", "s3proxy")  # start order: the slowest first
LABELS = {"kafka": "Kafka", "elasticsearch": "Elasticsearch", "s3proxy": "S3Proxy"}


def human_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


class LocalStack:
    """The local stack. `secure=True` (or a stack home that was made secure once: it stays so) runs
    Elasticsearch with TLS and file-realm users, Kafka with SASL_SSL and ACLs (dozor/stack/principals.py)."""

    def __init__(self, settings: DozorSettings, paths: StackPaths | None = None, *, secure: bool = False) -> None:
        self.settings = with_blobs(settings)
        self.paths = paths or StackPaths.default()
        self.ep = Endpoints.from_settings(self.settings)
        self.material = Security.of(self.paths.home)
        self.secure = secure or self.material.enabled
        _check_scheme(self.settings, self.secure, self.paths)
        es_security = (
            ESSecurity(self.material, principals.roles(self.settings), principals.user_roles(), principals.ADMIN)
            if self.secure
            else None
        )
        kafka_security = self.material if self.secure else None
        self.kafka = KafkaNode(self.paths, self.ep, self.paths.kafka_lib, security=kafka_security)
        self.es = ESNode(self.paths, self.ep, security=es_security)
        self.s3 = S3ProxyNode(self.paths, self.ep, self.settings)

    def nodes(self, services: Sequence[str] = SERVICES) -> list[Node]:
        by_name: dict[str, Node] = {"kafka": self.kafka, "elasticsearch": self.es, "s3proxy": self.s3}
        return [by_name[name] for name in SERVICES if name in services]

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
            *self._s3_statuses(),
        ]

    def _s3_statuses(self) -> list[ServiceStatus]:
        healthy = self.s3.healthy()
        return [self._s3_status(healthy), self._media_status(healthy)]

    def _s3_status(self, healthy: bool) -> ServiceStatus:
        objects, size = self.s3.usage()
        detail = f"bucket {self.s3.bucket}: {objects} objects, {human_size(size)}" if healthy else "unreachable"
        return ServiceStatus("s3proxy", S3PROXY_VERSION, self.s3.url, healthy, detail, self.s3.proc.running_pid())

    def _media_status(self, s3_healthy: bool) -> ServiceStatus:
        """The blob store that DOZOR_MEDIA_URL names: its objects and size (a file store is healthy when
        its directory exists or can be made; an S3 store when the local S3Proxy is)."""
        url = urlsplit(self.settings.media_url)
        if url.scheme == "s3":
            root = self.s3.data / url.netloc / unquote(url.path).strip("/")
            healthy = s3_healthy
        else:
            root = Path(unquote(url.path))
            existing = next(p for p in (root, *root.parents) if p.exists())
            healthy = existing.is_dir() and os.access(existing, os.W_OK)
        objects, size = tree_usage(root / "sha256")
        return ServiceStatus(
            "media store", "-", self.settings.media_url, healthy, f"{objects} objects, {human_size(size)}", None
        )

    def healthy(self, services: Sequence[str] = SERVICES) -> bool:
        return all(node.healthy() for node in self.nodes(services))

    def _fetch(self, node: Node) -> None:
        if isinstance(node, KafkaNode):
            node.lib = ensure_kafka(self.paths)
        elif isinstance(node, ESNode):
            node.install_from(ensure_es_zip(self.paths))
        else:
            node.jar = ensure_s3proxy(self.paths)

    def up(self, timeout_s: float = 120.0, services: Sequence[str] = SERVICES) -> dict[str, float]:
        """Start what is not running and wait for it; returns seconds per step ({} when all were up)."""
        timings: dict[str, float] = {}
        down = [node for node in self.nodes(services) if not node.healthy()]
        if not down:
            if self.secure:
                self._grant(services)
            return timings
        t0 = time.monotonic()
        for node in down:
            self._fetch(node)
        timings["fetch"] = time.monotonic() - t0
        if self.secure and not self.material.complete:
            t_certs = time.monotonic()
            self.es.install_from(ensure_es_zip(self.paths))  # its certutil makes the certificates
            self.material.ensure(self.es.install, java_home())
            timings["certificates"] = time.monotonic() - t_certs
        started: list[Node] = []
        try:
            for node in down:
                if node.proc.alive():
                    raise DozorError(
                        f"{LABELS[node.name]} runs but is not healthy; see `dozor stack status` and its log"
                    )
                node.start()
                started.append(node)
            t1 = time.monotonic()
            self._wait_all(started, t1, timeout_s, timings)
            if self.secure:  # a node started just now read its realm files already
                self._grant(services, es_files=self.es not in started)
        except DozorError:
            for node in started:
                node.proc.stop(timeout_s=10)
            raise
        return timings

    def _grant(self, services: Sequence[str], es_files: bool = True) -> None:
        """Users, roles and ACLs for the settings' prefixes (idempotent; ES re-reads its realm files)."""
        if "elasticsearch" in services and es_files:
            self.es.write_security()
        if "kafka" in services:
            apply_grants(self.ep, self.material, principals.kafka_acls(self.settings))

    def client_settings(self) -> list[tuple[str, str]]:
        """What a client of the secure stack sets (never a secret: passwords stay in the secrets file)."""
        if not self.secure:
            return [
                ("DOZOR_KAFKA_BOOTSTRAP", f"{self.ep.kafka_host}:{self.ep.kafka_port}"),
                ("DOZOR_ES_URL", self.es.url),
            ]
        return [
            ("DOZOR_ES_URL", self.es.url),
            ("DOZOR_ES_CA", str(self.material.ca)),
            ("DOZOR_KAFKA_BOOTSTRAP", f"{self.ep.kafka_host}:{self.ep.kafka_port}"),
            ("DOZOR_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            ("DOZOR_KAFKA_SASL_MECHANISM", MECHANISM),
            ("DOZOR_KAFKA_CA", str(self.material.ca)),
        ]

    @staticmethod
    def _wait_all(nodes: list[Node], t1: float, timeout_s: float, timings: dict[str, float]) -> None:
        """All start concurrently: poll each until ready, recording each one's own start time."""
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
        for node in (self.kafka, self.es, self.s3):
            if node.proc.stop():
                stopped.append(node.name)
        return stopped


def _check_scheme(settings: DozorSettings, secure: bool, paths: StackPaths) -> None:
    scheme = urlsplit(str(settings.es_url)).scheme
    if secure and scheme != "https":
        raise ConfigError(
            f"DOZOR_ES_URL={settings.es_url}: the secure stack (in {paths.home}) serves HTTPS; use an https:// URL"
        )
    if not secure and scheme == "https":
        raise ConfigError(
            f"DOZOR_ES_URL={settings.es_url}: the stack in {paths.home} is not secure; "
            "use http://, or start it with `dozor stack up --secure`"
        )

"""A private Kafka + Elasticsearch for the chaos run: its own stack home and ports, never the shared
stack's. Only the processes started here are stopped or killed (by the pid files `Managed` keeps)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import AnyHttpUrl

from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from dozor.stack.paths import StackPaths
from tests.support.secure_stack import free_block

ES_HEAP = "384m"  # CPU, not memory, is scarce; a small heap keeps GC short on a shared 2-core machine


@dataclass
class PrivateStack:
    home: Path
    env: dict[str, str]  # what every process of this run gets: the private addresses
    stack: LocalStack

    @classmethod
    def start(cls, timeout_s: float = 300) -> PrivateStack:
        home = Path(tempfile.mkdtemp(prefix="dozor-chaos-", dir="/tmp"))
        home.chmod(0o755)  # the Elasticsearch user must reach its install and data here
        taken: set[int] = set()
        kafka = free_block(29092, (0, 1), taken)  # bootstrap, controller
        es = free_block(29200, (0, 100), taken)  # HTTP, transport
        env = {
            "DOZOR_STACK_HOME": str(home),
            "DOZOR_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka}",
            "DOZOR_ES_URL": f"http://127.0.0.1:{es}",
            "DOZOR_MEDIA_URL": (home / "media").as_uri(),
        }
        settings = DozorSettings(kafka_bootstrap=env["DOZOR_KAFKA_BOOTSTRAP"], es_url=AnyHttpUrl(env["DOZOR_ES_URL"]))
        cache = os.environ.get("DOZOR_CACHE_DIR")
        paths = StackPaths(cache=Path(cache) if cache else StackPaths.default().cache, home=home)
        stack = LocalStack(settings, paths)
        stack.es.heap = ES_HEAP
        private = cls(home, env, stack)
        try:
            stack.up(timeout_s, services=("elasticsearch", "kafka"))
        except BaseException:
            private.remove()
            raise
        return private

    def settings(self, topic_prefix: str, index_prefix: str) -> DozorSettings:
        """Settings for this stack and the given prefixes, in this process."""
        return DozorSettings(
            kafka_bootstrap=self.env["DOZOR_KAFKA_BOOTSTRAP"],
            es_url=AnyHttpUrl(self.env["DOZOR_ES_URL"]),
            topic_prefix=topic_prefix,
            index_prefix=index_prefix,
        )

    def es_stop(self) -> None:
        """Stop Elasticsearch (SIGTERM, SIGKILL after 20 s): the outage begins."""
        self.stack.es.proc.stop(timeout_s=20)

    def es_start(self, timeout_s: float = 180) -> float:
        """Start it again and wait until it is healthy; returns the seconds that took."""
        t0 = time.monotonic()
        self.stack.up(timeout_s, services=("elasticsearch",))
        return time.monotonic() - t0

    def kafka_restart(self, timeout_s: float = 120) -> float:
        """Stop the broker (SIGTERM: a controlled shutdown) and start it again; seconds until healthy."""
        t0 = time.monotonic()
        self.stack.kafka.proc.stop(timeout_s=30)
        self.stack.up(timeout_s, services=("kafka",))
        return time.monotonic() - t0

    def remove(self) -> None:
        for node in (self.stack.kafka, self.stack.es):
            node.proc.stop(timeout_s=20)
        if os.environ.get("DOZOR_CHAOS_KEEP") != "1":
            shutil.rmtree(self.home, ignore_errors=True)

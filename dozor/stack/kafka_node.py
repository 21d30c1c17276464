"""One combined KRaft broker+controller on loopback, run from the cached jars."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from dozor.errors import DozorError
from dozor.stack.endpoints import Endpoints
from dozor.stack.kafka_secure import internal_admin, listener_properties
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed, require_free, tail
from dozor.stack.secure import Security

LOG4J2 = """status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
"""


def plain_listeners(ep: Endpoints) -> list[str]:
    host, port, ctl = ep.kafka_host, ep.kafka_port, ep.controller_port
    return [
        f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctl}",
        f"advertised.listeners=PLAINTEXT://{host}:{port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ]


def server_properties(ep: Endpoints, data: Path, security: Security | None = None) -> str:
    host, ctl = ep.kafka_host, ep.controller_port
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            *(listener_properties(ep, security) if security else plain_listeners(ep)),
            f"controller.quorum.bootstrap.servers={host}:{ctl}",
            f"log.dirs={data}",
            "num.partitions=3",
            "auto.create.topics.enable=true",
            "group.initial.rebalance.delay.ms=0",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "message.max.bytes=10485760",
            "log.retention.hours=-1",
            "",
        ]
    )


class KafkaNode:
    name = "kafka"

    def __init__(self, paths: StackPaths, ep: Endpoints, lib: Path, security: Security | None = None) -> None:
        self.paths, self.ep, self.lib, self.security = paths, ep, lib, security
        self.dir = paths.data("kafka", ep.kafka_port).parent
        self.data = paths.data("kafka", ep.kafka_port)
        self.log_dir = paths.logs("kafka", ep.kafka_port)
        self.proc = Managed("kafka", paths.run / f"kafka-{ep.kafka_port}.pid")

    @property
    def log_file(self) -> Path:
        return self.log_dir / "server.log"

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise DozorError("Java 17+ is needed for the local Kafka: apt-get install openjdk-17-jre-headless")
        return java

    def _classpath_cmd(self, main: str, *args: str, heap: str = "512m") -> list[str]:
        return [
            self._java(),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            f"-Dlog4j2.configurationFile={self.dir / 'log4j2.properties'}",
            "-Djava.awt.headless=true",
            "-cp",
            f"{self.lib}/*",
            main,
            *args,
        ]

    def configure(self) -> Path:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        props = self.dir / "server.properties"
        props.write_text(server_properties(self.ep, self.data, self.security))
        (self.dir / "log4j2.properties").write_text(LOG4J2.format(log=self.log_file))
        if not (self.data / "meta.properties").exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # one in 64 would read as an option to the storage tool (as Kafka's own)
                cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            cmd = self._classpath_cmd(
                "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id, "-c", str(props), heap="256m"
            )
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise DozorError(f"formatting Kafka storage failed:\n{proc.stdout}{proc.stderr}")
        return props

    def start(self) -> None:
        require_free(self.ep.kafka_host, self.ep.kafka_port, "Kafka", "DOZOR_KAFKA_BOOTSTRAP")
        require_free(
            self.ep.kafka_host,
            self.ep.controller_port,
            "Kafka controller (bootstrap port + 1)",
            "DOZOR_KAFKA_BOOTSTRAP",
        )
        if self.security:
            what = "Kafka internal listener (bootstrap port + 2)"
            require_free(self.ep.kafka_host, self.ep.kafka_internal_port, what, "DOZOR_KAFKA_BOOTSTRAP")
        props = self.configure()
        env = dict(os.environ)
        self.proc.start(
            self._classpath_cmd("kafka.Kafka", str(props)), cwd=self.dir, env=env, log_file=self.log_dir / "stdout.log"
        )

    def healthy(self, timeout_s: float = 3.0) -> bool:
        # A plain connect first: kafka-python's bootstrap would retry for its whole timeout.
        port = self.ep.kafka_internal_port if self.security else self.ep.kafka_port
        try:
            socket.create_connection((self.ep.kafka_host, port), timeout=1.0).close()
        except OSError:
            return False
        try:
            if self.security:  # the broker's own certificate on its internal listener: no password needed
                client = internal_admin(self.ep, self.security, timeout_s)
            else:
                client = KafkaAdminClient(
                    bootstrap_servers=[f"{self.ep.kafka_host}:{self.ep.kafka_port}"],
                    request_timeout_ms=int(timeout_s * 1000),
                    client_id="dozor-stack",
                )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            return bool(client.describe_cluster().get("brokers"))
        except (KafkaError, OSError, ValueError):
            return False
        finally:
            client.close()

    def ready_or_raise(self, remaining_s: float) -> bool:
        """True when healthy; raises when the process died or the time is up."""
        if not self.proc.alive():
            raise DozorError(
                f"Kafka exited during start. Last lines of {self.log_file}:\n{tail(self.log_file)}\n"
                f"(stdout: {tail(self.log_dir / 'stdout.log', 5)})"
            )
        if self.healthy():
            return True
        if remaining_s > 0:
            return False
        raise DozorError(
            f"Kafka not ready after the timeout. Last lines of {self.log_file}:\n{tail(self.log_file)}\n"
            "Check the log, then `dozor stack down` and `dozor stack up` again."
        )

    def version(self) -> str:
        from dozor.stack.versions import KAFKA_VERSION

        return KAFKA_VERSION

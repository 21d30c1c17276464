"""Which loopback ports the local stack binds, derived from the two service URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from dozor.errors import ConfigError
from dozor.settings import DozorSettings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Endpoints:
    kafka_host: str
    kafka_port: int
    es_host: str
    es_port: int

    @property
    def controller_port(self) -> int:
        return self.kafka_port + 1

    @property
    def es_transport_port(self) -> int:
        return self.es_port + 100

    @classmethod
    def from_settings(cls, settings: DozorSettings) -> Endpoints:
        first = settings.kafka_servers[0]
        k_host, _, k_port = first.rpartition(":")
        url = urlsplit(str(settings.es_url))
        e_host, e_port = url.hostname or "", url.port or 9200
        for host, setting in ((k_host, "DOZOR_KAFKA_BOOTSTRAP"), (e_host, "DOZOR_ES_URL")):
            if host not in LOOPBACK:
                raise ConfigError(
                    f"{setting} points at {host}: the local stack only binds loopback; "
                    "use 127.0.0.1, or run your own cluster and skip `dozor stack`"
                )
        return cls(
            "127.0.0.1" if k_host == "localhost" else k_host,
            int(k_port),
            "127.0.0.1" if e_host == "localhost" else e_host,
            e_port,
        )

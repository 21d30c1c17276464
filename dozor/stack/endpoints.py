"""Which loopback ports the local stack binds, derived from the service URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from dozor.errors import ConfigError
from dozor.settings import DozorSettings, with_blobs

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Endpoints:
    kafka_host: str
    kafka_port: int
    es_host: str
    es_port: int
    s3_host: str = "127.0.0.1"
    s3_port: int = 9000

    @property
    def controller_port(self) -> int:
        return self.kafka_port + 1

    @property
    def kafka_internal_port(self) -> int:
        """The secure stack's broker-to-broker listener (mutual TLS)."""
        return self.kafka_port + 2

    @property
    def es_transport_port(self) -> int:
        return self.es_port + 100

    @classmethod
    def from_settings(cls, settings: DozorSettings) -> Endpoints:
        first = settings.kafka_servers[0]
        k_host, _, k_port = first.rpartition(":")
        url = urlsplit(str(settings.es_url))
        e_host, e_port = url.hostname or "", url.port or 9200
        s3 = urlsplit(str(with_blobs(settings).media_s3_endpoint))
        s_host, s_port = s3.hostname or "", s3.port or (443 if s3.scheme == "https" else 80)
        for host, setting in (
            (k_host, "DOZOR_KAFKA_BOOTSTRAP"),
            (e_host, "DOZOR_ES_URL"),
            (s_host, "DOZOR_MEDIA_S3_ENDPOINT"),
        ):
            if host not in LOOPBACK:
                raise ConfigError(
                    f"{setting} points at {host}: the local stack only binds loopback; "
                    "use 127.0.0.1, or run your own cluster and skip `dozor stack`"
                )
        return cls(_ip(k_host), int(k_port), _ip(e_host), e_port, _ip(s_host), s_port)


def _ip(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host

"""Settings: one pydantic-settings model per service, all under the env prefix ``DOZOR_``.

Values come from (highest first) the environment, then the YAML file named by ``DOZOR_CONFIG``, then
the defaults. Secrets are ``SecretStr`` so they never show up in logs or reprs. A bad value fails at
start with :class:`ConfigError` naming the field and the fix (see :func:`load`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from dozor import logs, redact
from dozor.errors import ConfigError
from dozor.security import client_security_problems
from dozor.stack.paths import StackPaths

ENV_PREFIX = "DOZOR_"


def config_file() -> Path | None:
    raw = os.environ.get(f"{ENV_PREFIX}CONFIG")
    return Path(raw) if raw else None


class DozorSettings(BaseSettings):
    """Base for every service's settings: the two service URLs that every command needs, and how to
    reach them securely (CA, credentials; checked together at start, see dozor/security.py)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, host:port[,host:port]")
    kafka_proxy_url: str | None = Field(
        None, description="a proxy for every Kafka connection: http://host:port (HTTP CONNECT) or socks5://host:port"
    )
    # A consumer group hands a dead member's partitions to the others when its session times out (kafka-python's
    # default is 45 s); heartbeats come from a background thread, so a slow batch does not end a session.
    kafka_session_timeout_ms: int = Field(
        10_000, ge=1000, le=1_800_000, description="consumer group session timeout (within the broker's bounds)"
    )
    kafka_heartbeat_ms: int = Field(
        1000, ge=100, validate_default=True, description="consumer heartbeat interval, below the session timeout"
    )
    es_url: AnyHttpUrl = Field(AnyHttpUrl("http://127.0.0.1:9200"), description="Elasticsearch URL")
    es_username: str | None = Field(None, description="Elasticsearch user (file realm or native)")
    es_password: SecretStr | None = Field(None, description="password of DOZOR_ES_USERNAME")
    es_api_key: SecretStr | None = Field(None, description="Elasticsearch API key (full clusters)")
    es_ca: Path | None = Field(None, description="CA certificate (PEM) that signs an https Elasticsearch's certificate")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="how clients talk to Kafka: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism (SCRAM-SHA-512 on the local secure stack)"
    )
    kafka_username: str | None = Field(None, description="Kafka SASL user (the stage's own principal)")
    kafka_password: SecretStr | None = Field(None, description="password of DOZOR_KAFKA_USERNAME")
    kafka_ca: Path | None = Field(None, description="CA certificate (PEM) that signs the Kafka brokers' certificates")
    topic_prefix: str = Field("", description="prefix for every Kafka topic (tests, shared clusters)")
    index_prefix: str = Field("dozor", description="prefix for every Elasticsearch index and alias")
    story_days: int = Field(
        90,
        ge=1,
        description="days a story's claims (<prefix>-story-keys) are kept; `dozor retention apply` deletes "
        "older ones, and a post that repeats a story older than this starts a new one",
    )
    # Observability (dozor/metrics.py, dozor/logs.py): the services' /metrics server, and the log format.
    metrics_port: int = Field(
        0, ge=0, le=65535, description="port of a service's Prometheus /metrics server (0: none, e.g. for --drain)"
    )
    metrics_host: str = Field("127.0.0.1", description="address of the /metrics server (0.0.0.0 in a container)")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or as one JSON object each")

    @field_validator("kafka_bootstrap")
    @classmethod
    def _check_bootstrap(cls, value: str) -> str:
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"expected host:port[,host:port], got {value!r}")
        return value

    @field_validator("kafka_proxy_url")
    @classmethod
    def _check_proxy(cls, value: str | None) -> str | None:
        if value is not None and (
            urlsplit(value).scheme not in ("http", "socks5", "socks5h") or not urlsplit(value).port
        ):
            raise ValueError(f"expected http://host:port or socks5://host:port, got {value!r}")
        return value

    @field_validator("kafka_heartbeat_ms")
    @classmethod
    def _heartbeat_within_session(cls, value: int, info: ValidationInfo) -> int:
        session = info.data.get("kafka_session_timeout_ms")
        if session is not None and value * 3 > session:
            raise ValueError(f"at most a third of DOZOR_KAFKA_SESSION_TIMEOUT_MS ({session}), got {value}")
        return value

    @model_validator(mode="after")
    def _check_security(self) -> DozorSettings:
        problems = client_security_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)

    # Topic and index names, derived so that a prefix moves all of them together.
    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def index(self, name: str) -> str:
        return f"{self.index_prefix}-{name}"

    @property
    def kafka_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap.split(",")]


def default_media_url() -> str:
    return (StackPaths.default().home / "media").as_uri()


class BlobSettings(DozorSettings):
    """Where media blobs live. In the core because the local stack runs the S3 server (S3Proxy) that
    the media store (media/, which extends this as MediaSettings) talks to."""

    media_url: str = Field(
        default_factory=default_media_url,
        description="blob store location: file:///absolute/path or s3://bucket[/prefix]",
    )
    media_s3_endpoint: AnyHttpUrl = Field(
        AnyHttpUrl("http://127.0.0.1:9000"),
        description="S3-compatible endpoint URL (the local stack's S3Proxy binds its port)",
    )
    media_s3_region: str = Field("us-east-1", description="S3 region name")
    media_s3_key: str | None = Field(None, description="S3 access key id (unset: the local stack's own key)")
    media_s3_secret: SecretStr | None = Field(
        None, validate_default=True, description="S3 secret access key, given together with DOZOR_MEDIA_S3_KEY"
    )

    @field_validator("media_url")
    @classmethod
    def _check_media_url(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme == "file" and not url.netloc and url.path.startswith("/"):
            return value
        if url.scheme == "s3" and url.netloc and url.netloc == url.netloc.lower():
            return value
        raise ValueError(f"expected file:///absolute/path or s3://bucket[/prefix] (lowercase bucket), got {value!r}")

    @field_validator("media_s3_secret")
    @classmethod
    def _key_and_secret_together(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if (value is None) != (info.data.get("media_s3_key") is None):
            raise ValueError("give DOZOR_MEDIA_S3_KEY and DOZOR_MEDIA_S3_SECRET together, or neither")
        return value

    @property
    def media_is_s3(self) -> bool:
        return self.media_url.startswith("s3://")

    @property
    def media_bucket(self) -> str | None:
        return urlsplit(self.media_url).netloc if self.media_is_s3 else None


S = TypeVar("S", bound=BaseSettings)


def _fix_hint(field: str, model: type[BaseSettings], message: str) -> str:
    info = model.model_fields.get(field.split(".")[0])
    desc = f" ({info.description})" if info is not None and info.description else ""
    return f"set {ENV_PREFIX}{field.split('.')[0].upper()}{desc}: {message}"


def load(model: type[S], **overrides: Any) -> S:
    """Build settings, turning validation errors into one ConfigError that names field and fix."""
    path = config_file()
    if path is not None and not path.is_file():
        raise ConfigError(f"{ENV_PREFIX}CONFIG={path}: no such file; point it at a YAML settings file")
    try:
        settings = model(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            if field:
                problems.append(f"{field}: {_fix_hint(field, model, err['msg'])}")
            else:  # a check across fields: its message names them and the fix
                problems.append(err["msg"].removeprefix("Value error, "))
        raise ConfigError("bad setting: " + "; ".join(problems)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{ENV_PREFIX}CONFIG={path}: not valid YAML ({exc})") from None
    redact.register_settings(settings)
    wanted = getattr(settings, "log_format", None)
    if wanted is not None and wanted != logs.requested():  # set in the YAML file rather than the environment
        logs.install(wanted)
    return settings


def with_blobs(settings: DozorSettings) -> BlobSettings:
    """These settings with the blob-store fields too (read from the environment when not there)."""
    if isinstance(settings, BlobSettings):
        return settings
    return load(BlobSettings, **{name: getattr(settings, name) for name in DozorSettings.model_fields})

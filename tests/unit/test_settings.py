from __future__ import annotations

from pathlib import Path

import pytest

from dozor import settings as cfg
from dozor.errors import ConfigError


def test_defaults_are_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOZOR_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("DOZOR_ES_URL", raising=False)
    s = cfg.load(cfg.DozorSettings)
    assert s.kafka_servers == ["127.0.0.1:9092"]
    assert str(s.es_url) == "http://127.0.0.1:9200/"


def test_env_overrides_and_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_KAFKA_BOOTSTRAP", "10.0.0.1:9092, 10.0.0.2:9092")
    monkeypatch.setenv("DOZOR_TOPIC_PREFIX", "x-")
    monkeypatch.setenv("DOZOR_INDEX_PREFIX", "acme")
    s = cfg.load(cfg.DozorSettings)
    assert s.kafka_servers == ["10.0.0.1:9092", "10.0.0.2:9092"]
    assert s.topic("posts.raw") == "x-posts.raw"
    assert s.index("posts") == "acme-posts"


def test_bad_value_names_field_and_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_KAFKA_BOOTSTRAP", "no-port-here")
    with pytest.raises(ConfigError) as err:
        cfg.load(cfg.DozorSettings)
    message = str(err.value)
    assert "kafka_bootstrap" in message and "DOZOR_KAFKA_BOOTSTRAP" in message and "host:port" in message


def test_bad_url_names_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_ES_URL", "not a url")
    with pytest.raises(ConfigError, match="es_url"):
        cfg.load(cfg.DozorSettings)


def test_yaml_file_below_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = tmp_path / "dozor.yaml"
    conf.write_text("kafka_bootstrap: 127.0.0.1:19092\nindex_prefix: fromfile\n")
    monkeypatch.setenv("DOZOR_CONFIG", str(conf))
    monkeypatch.setenv("DOZOR_INDEX_PREFIX", "fromenv")
    monkeypatch.delenv("DOZOR_KAFKA_BOOTSTRAP", raising=False)
    s = cfg.load(cfg.DozorSettings)
    assert s.kafka_bootstrap == "127.0.0.1:19092"
    assert s.index_prefix == "fromenv"


def test_missing_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOZOR_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="no such file"):
        cfg.load(cfg.DozorSettings)


def test_secrets_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_ES_USERNAME", "someone")
    monkeypatch.setenv("DOZOR_ES_PASSWORD", "hunter2")
    s = cfg.load(cfg.DozorSettings)
    assert s.es_password is not None and s.es_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())


def test_settings_are_frozen() -> None:
    s = cfg.DozorSettings()
    with pytest.raises(ValueError):
        s.index_prefix = "other"  # type: ignore[misc]


def test_kafka_group_timing_and_proxy_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_KAFKA_SESSION_TIMEOUT_MS", "6000")
    monkeypatch.setenv("DOZOR_KAFKA_HEARTBEAT_MS", "3000")
    with pytest.raises(ConfigError, match=r"kafka_heartbeat_ms: set DOZOR_KAFKA_HEARTBEAT_MS .*at most a third"):
        cfg.load(cfg.DozorSettings)
    monkeypatch.setenv("DOZOR_KAFKA_HEARTBEAT_MS", "2000")
    assert cfg.load(cfg.DozorSettings).kafka_heartbeat_ms == 2000
    monkeypatch.setenv("DOZOR_KAFKA_PROXY_URL", "127.0.0.1:3128")
    with pytest.raises(ConfigError, match=r"DOZOR_KAFKA_PROXY_URL .*http://host:port"):
        cfg.load(cfg.DozorSettings)
    monkeypatch.setenv("DOZOR_KAFKA_PROXY_URL", "http://127.0.0.1:3128")
    assert cfg.load(cfg.DozorSettings).kafka_proxy_url == "http://127.0.0.1:3128"

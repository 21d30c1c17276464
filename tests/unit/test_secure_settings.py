"""Client security settings: bad combinations fail at start naming the settings and the fix; the Kafka
options follow the settings; secrets are masked in log lines; the stack's grants are least privilege."""

from __future__ import annotations

import logging
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from dozor import redact
from dozor import settings as cfg
from dozor.errors import ConfigError
from dozor.security import kafka_options
from dozor.stack import principals
from dozor.stack.es_secure import pbkdf2_hash

SECURITY_ENV = (
    "DOZOR_ES_USERNAME",
    "DOZOR_ES_PASSWORD",
    "DOZOR_ES_API_KEY",
    "DOZOR_ES_CA",
    "DOZOR_ES_URL",
    "DOZOR_KAFKA_SECURITY_PROTOCOL",
    "DOZOR_KAFKA_SASL_MECHANISM",
    "DOZOR_KAFKA_USERNAME",
    "DOZOR_KAFKA_PASSWORD",
    "DOZOR_KAFKA_CA",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECURITY_ENV:
        monkeypatch.delenv(name, raising=False)


def fails(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        cfg.load(cfg.DozorSettings)
    return str(err.value)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DOZOR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, ["DOZOR_KAFKA_SASL_MECHANISM", "DOZOR_KAFKA_USERNAME"]),
        ({"DOZOR_KAFKA_USERNAME": "u", "DOZOR_KAFKA_PASSWORD": "p"}, ["DOZOR_KAFKA_SECURITY_PROTOCOL=SASL_SSL"]),
        (
            {
                "DOZOR_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "DOZOR_KAFKA_SASL_MECHANISM": "PLAIN",
                "DOZOR_KAFKA_USERNAME": "u",
                "DOZOR_KAFKA_PASSWORD": "p",
            },
            ["in clear", "SASL_SSL"],
        ),
        ({"DOZOR_KAFKA_CA": "/etc/hostname"}, ["DOZOR_KAFKA_CA", "uses no TLS"]),
        ({"DOZOR_KAFKA_SECURITY_PROTOCOL": "SSL", "DOZOR_KAFKA_CA": "/nonexistent/ca.crt"}, ["no such file"]),
        ({"DOZOR_ES_USERNAME": "u"}, ["DOZOR_ES_USERNAME and DOZOR_ES_PASSWORD together"]),
        ({"DOZOR_ES_API_KEY": "k", "DOZOR_ES_USERNAME": "u", "DOZOR_ES_PASSWORD": "p"}, ["not both"]),
        ({"DOZOR_ES_CA": "/etc/hostname"}, ["DOZOR_ES_CA", "https"]),
    ],
)
def test_bad_combinations_name_the_settings_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], names: list[str]
) -> None:
    message = fails(monkeypatch, env)
    assert message.startswith("bad setting: ") and "?" not in message
    for name in names:
        assert name in message, message


def test_kafka_options_follow_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert kafka_options(cfg.load(cfg.DozorSettings)) == {"security_protocol": "PLAINTEXT"}
    for name, value in {
        "DOZOR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "DOZOR_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "DOZOR_KAFKA_USERNAME": "dozor-enrich",
        "DOZOR_KAFKA_PASSWORD": "kafka-pw-123",
        "DOZOR_KAFKA_CA": str(ca),
    }.items():
        monkeypatch.setenv(name, value)
    options = kafka_options(cfg.load(cfg.DozorSettings))
    assert options == {
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": str(ca),
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "dozor-enrich",
        "sasl_plain_password": "kafka-pw-123",
    }


def test_loaded_secrets_are_masked_in_log_lines(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DOZOR_ES_USERNAME", "someone")
    monkeypatch.setenv("DOZOR_ES_PASSWORD", "es-password-4f9a")
    cfg.load(cfg.DozorSettings)
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "url %s failed", ("https://h/bot es-password-4f9a/x",), None
    )
    line = redact.RedactingFormatter("%(message)s").format(record)
    assert line == "url https://h/bot ***/x failed"
    assert redact.redact("short") == "short"


def test_file_realm_hash_matches_elasticsearch_users_output() -> None:
    # Written by `bin/elasticsearch-users useradd u4 -p pw-123456-abc` with password_hashing.algorithm: pbkdf2.
    by_the_tool = (
        "{PBKDF2}10000$YwMp51FqGHRlp7QSCZXiO7ntktaNoRJdo4ulsYnXe2w=$XRFPImyncpmzoGVbH0zYIaldSWf/E8OmmhfVH6Z8AUQ="
    )
    import base64

    salt = base64.b64decode(by_the_tool.split("$")[1])
    assert pbkdf2_hash("pw-123456-abc", salt=salt) == by_the_tool
    assert pbkdf2_hash("pw-123456-abc") != by_the_tool  # a fresh salt each time


def test_each_stage_reads_only_its_inputs_and_writes_only_its_outputs() -> None:
    settings = cfg.DozorSettings(topic_prefix="t-", index_prefix="acme")
    grants = {(a.user, a.name): set(a.operations) for a in principals.kafka_acls(settings)}
    assert grants[("dozor-enrich", "t-posts.raw")] == {"READ", "DESCRIBE"}
    assert "READ" not in grants[("dozor-enrich", "t-posts.enriched")]
    assert ("dozor-enrich", "t-alerts") not in grants
    assert grants[("dozor-enrich", "t-dozor-enrich")] == {"READ", "DESCRIBE"}  # its consumer group
    for topic in ("t-posts.enriched", "t-posts.media", "t-posts.media.ocr"):  # the indexer's three inputs
        assert grants[("dozor-index", topic)] == {"READ", "DESCRIBE"}
    assert not any(user == "dozor-api" for user, _ in grants)  # the API has no Kafka rights at all
    roles = principals.roles(settings)
    api = {name: g["privileges"] for g in roles["dozor_api"]["indices"] for name in g["names"]}
    assert "write" not in api["acme-*"] and "write" in api["acme-searches"]
    (reader,) = roles["dozor_reader"]["indices"]
    assert reader["privileges"] == ["read", "view_index_metadata"]
    reads = ["acme-posts-2026.10", "acme-posts", "acme-post-versions", "acme-audit", "acme-cases"]
    assert [n for n in reads if any(fnmatchcase(n, pattern) for pattern in reader["names"])] == reads[:3]
    assert roles["dozor_index"]["cluster"] == ["monitor", "manage_index_templates"]
    assert principals.user_roles()["superuser"] == [principals.ADMIN]

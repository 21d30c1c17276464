"""Observability without services: JSON and text log lines (the stage on each, secrets masked), the
metrics settings failing at start naming the field, bounded dead-letter labels, the metrics server, and
deploy/ (the rules and the dashboard use only metrics Dozor defines; promtool checks them where the
Debian `prometheus` package is installed)."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client import REGISTRY

from dozor import logs, metrics, redact
from dozor.errors import ConfigError
from dozor.settings import DozorSettings, load

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("dozor.stream", logging.WARNING, __file__, 1, msg, args, exc_info)


def _filtered(record: logging.LogRecord) -> logging.LogRecord:
    logs.StageFilter().filter(record)
    return record


def test_json_lines_parse_carry_the_stage_and_mask_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = 'pw-"quoted"-Пароль-9f'  # JSON escapes the quotes: masked before encoding, not only after
    redact.register(secret)
    monkeypatch.setattr(logs, "_service", "enrich")
    try:
        raise ValueError(f"login failed with {secret}")
    except ValueError as exc:
        record = _filtered(_record("url %s failed", f"https://u:{secret}@h", exc=exc))
    record.color_message = "\x1b[36murl\x1b[0m"  # uvicorn's extra: left out
    line = logs.formatter("json").format(record)
    assert "\n" not in line and "Пароль" not in line and "quoted" not in line
    obj = json.loads(line)
    assert obj["stage"] == "enrich" and obj["level"] == "WARNING" and obj["logger"] == "dozor.stream"
    assert obj["message"] == "url https://u:***@h failed"
    assert "ValueError: login failed with ***" in obj["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", obj["time"])
    assert set(obj) == {"time", "level", "stage", "logger", "message", "exc_info"}


def test_text_lines_name_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_service", "index")
    line = logs.formatter("text").format(_filtered(_record("stage %s resumed", "index")))
    assert line.endswith(" WARNING [index] dozor.stream: stage index resumed")


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("DOZOR_METRICS_PORT", "70000", "DOZOR_METRICS_PORT"),
        ("DOZOR_METRICS_PORT", "nine", "DOZOR_METRICS_PORT"),
        ("DOZOR_LOG_FORMAT", "xml", "DOZOR_LOG_FORMAT"),
    ],
)
def test_bad_observability_settings_fail_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"set {field}"):
        load(DozorSettings)


def test_dead_letter_labels_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # A set of its own: filling the process-wide one would turn later tests' error labels into "other".
    monkeypatch.setattr(metrics, "_reasons", set())
    assert metrics.reason_kind("JSONDecodeError: Expecting value: line 1") == "JSONDecodeError"
    assert metrics.reason_kind("invalid posts.raw record: channel: Field required") == "invalid"
    assert metrics.reason_kind("elasticsearch rejected tg:1:2: mapper_parsing_exception") == "other"
    many = {metrics.reason_kind(f"Error{i}: x") for i in range(3 * metrics.MAX_REASONS)}
    assert "other" in many and len(many) <= metrics.MAX_REASONS + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_metrics_server_serves_and_a_taken_port_fails_naming_the_setting() -> None:
    port = _free_port()
    assert metrics.serve(port, "127.0.0.1") == port
    metrics.FLOODWAIT_SECONDS.labels("unit-test").inc(17)
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert 'dozor_floodwait_seconds_total{account="unit-test"} 17.0' in body
    with pytest.raises(ConfigError, match=f"DOZOR_METRICS_PORT={port}: cannot serve metrics"):
        metrics.serve(port, "127.0.0.1")
    assert metrics.serve(0, "127.0.0.1") is None


def _defined() -> set[str]:
    """Every series name Dozor's registry can expose (counters' _total, histograms' _bucket...)."""
    names = {"up"}
    for family in REGISTRY.collect():
        if family.name.startswith("dozor_"):
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
            names.update(family.name + s for s in suffixes)
    return names


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(dozor_[a-z_]+|up)\b(?=\s*[{\[)]|\s*$|\s*[=><!])", expr))


def test_rules_and_dashboard_use_only_defined_metrics() -> None:
    defined = _defined()
    rules = yaml.safe_load((DEPLOY / "dozor-rules.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {"DozorServiceDown", "DozorConsumerLagGrowing", "DozorDeadLetters", "DozorDegraded"} <= alerts
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    exprs += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = set().union(*(_metric_names(e) for e in exprs))
    assert used - defined == set()
    wanted = {"dozor_records_in_total", "dozor_dlq_records_total", "dozor_consumer_lag", "dozor_batch_seconds_bucket"}
    assert wanted <= used
    assert {"dozor_es_bulk_seconds_bucket", "dozor_alert_delivery_seconds_bucket"} <= used
    assert {"dozor_floodwait_seconds_total", "dozor_blob_store_objects"} <= used


def test_prometheus_scrapes_every_service() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {f"dozor-{s}" for s in ("collect", "enrich", "index", "ocr", "evidence", "alert", "api")}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    names = {n for job in config["scrape_configs"] for sd in job["dns_sd_configs"] for n in sd["names"]}
    assert names <= set(compose)
    assert "./deploy:/etc/prometheus:ro" in compose["prometheus"]["volumes"]


def test_promtool_accepts_the_config_and_rules(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool absent (Debian package `prometheus`); the rules' metric names are checked above")
    # The config names the rules by their path inside the container: check it from a copy that points here.
    config = (DEPLOY / "prometheus.yml").read_text().replace("/etc/prometheus/", f"{DEPLOY}/")
    (tmp_path / "prometheus.yml").write_text(config)
    checks = [
        ["check", "config", str(tmp_path / "prometheus.yml")],
        ["check", "rules", str(DEPLOY / "dozor-rules.yml")],
        ["test", "rules", str(DEPLOY / "dozor-rules.test.yml")],  # each rule fires on made-up series
    ]
    for args in checks:
        proc = subprocess.run([promtool, *args], capture_output=True, text=True, check=False, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_blob_store_gauges_follow_the_store(tmp_path: Path) -> None:
    from media.settings import MediaSettings
    from media.store import open_store

    store = open_store(load(MediaSettings, media_url=(tmp_path / "media").as_uri()))
    store.put(b"first blob")
    store.put(b"second, longer blob")
    logs.set_service("ocr")
    stop = metrics.watch_store(store.usage, every_s=0.05)
    gauge = {"service": "ocr"}
    try:
        deadline = time.monotonic() + 10
        while REGISTRY.get_sample_value("dozor_blob_store_objects", gauge) != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert REGISTRY.get_sample_value("dozor_blob_store_objects", gauge) == 2
        assert REGISTRY.get_sample_value("dozor_blob_store_bytes", gauge) == len(b"first blob" + b"second, longer blob")
    finally:
        stop.set()
        logs.set_service("dozor")

"""The services' /metrics and JSON logs, against the real local Kafka and Elasticsearch: `dozor enrich` and
`dozor index` run as services (their own processes, test prefixes), records go through them, and their
/metrics, scraped over HTTP, moved by exactly the records sent (the bad ones to the DLQ by kind); their
log lines, with DOZOR_LOG_FORMAT=json, are JSON objects that name the stage. The API serves /metrics too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import free_port, produce, serve_api

pytestmark = pytest.mark.integration

DOZOR = Path(sys.executable).with_name("dozor")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def raw_post(text: str, message_id: int) -> dict[str, Any]:
    channel = {"id": 990911, "username": "metrics_it", "title": "IT", "category": "media", "country": "KZ"}
    return {"schema": 1, "event": "new", "channel": channel, "message_id": message_id, "text": text}


def scrape(url: str) -> Samples:
    body = httpx.get(url, timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the series of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def wait_for(url: str, done: Callable[[Samples], bool], timeout_s: float, what: str) -> Samples:
    deadline, samples = time.monotonic() + timeout_s, {}
    while time.monotonic() < deadline:
        try:
            samples = scrape(url)
        except httpx.TransportError:  # not listening yet
            samples = {}
        if samples and done(samples):
            return samples
        time.sleep(0.5)
    raise AssertionError(f"{what}: not reached in {timeout_s}s; last scrape: {sorted(samples.items())[:60]}")


@contextmanager
def service(args: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "DOZOR_METRICS_PORT": str(port), "DOZOR_LOG_FORMAT": "json"}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(DOZOR), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def log_objects(log: Path, summary: str) -> list[dict[str, Any]]:
    """Every line of a service's output parsed as JSON, but its closing summary (plain, on purpose)."""
    lines = [line for line in log.read_text().splitlines() if line.strip() and not line.startswith(summary)]
    return [json.loads(line) for line in lines]


def test_enrich_and_index_services_count_records_dlq_lag_and_log_json(
    env_settings: DozorSettings, ss: SearchSettings, tmp_path: Path
) -> None:
    raw, enriched, dlq = (env_settings.topic(t) for t in (dk.RAW, dk.ENRICHED, dk.DLQ))
    good = [raw_post(f"Новые правила для мигрантов, часть {i}", i) for i in range(1, 6)]
    no_channel = {k: v for k, v in raw_post("нет канала", 9).items() if k != "channel"}
    produce(env_settings, dk.RAW, [*good[:2], b"{not json", *good[2:], no_channel])
    dk.ensure_topics(env_settings, [dk.ENRICHED, dk.MEDIA, "posts.media.ocr"], partitions=3)
    ports = free_port(), free_port()
    enrich_url, index_url = (f"http://127.0.0.1:{p}/metrics" for p in ports)
    logs = tmp_path / "enrich.log", tmp_path / "index.log"

    with (
        service(["enrich", "--workers", "1"], ports[0], logs[0]),
        service(["index", "--workers", "1"], ports[1], logs[1]),
    ):
        enrich = wait_for(
            enrich_url,
            lambda s: total(s, "dozor_records_in_total", stage="enrich") >= 7,
            120,
            "enrich consumed the 7 records",
        )
        indexed = wait_for(
            index_url,
            lambda s: total(s, "dozor_records_in_total", stage="index") >= 5,
            120,
            "index consumed the 5 enriched records",
        )
        # Lag is read at most every 5 s: wait for the reading after the last batch.
        enrich = wait_for(
            enrich_url,
            lambda s: (
                total(s, "dozor_consumer_lag", stage="enrich", topic=raw) == 0
                and sum(1 for n, _ in s if n == "dozor_consumer_lag") == 3
            ),
            30,
            "enrich's lag on its 3 partitions back to 0",
        )

    assert total(enrich, "dozor_records_in_total", stage="enrich", topic=raw) == 7
    assert total(enrich, "dozor_records_out_total", stage="enrich", topic=enriched) == 5
    assert total(enrich, "dozor_records_out_total", stage="enrich", topic=dlq) == 2
    assert total(enrich, "dozor_dlq_records_total", stage="enrich", reason="JSONDecodeError") == 1
    assert total(enrich, "dozor_dlq_records_total", stage="enrich", reason="invalid") == 1
    assert total(enrich, "dozor_dlq_records_total", stage="enrich") == 2
    assert total(enrich, "dozor_batch_seconds_count", stage="enrich") >= 1
    assert total(enrich, "dozor_degraded", service="enrich") == 0

    assert total(indexed, "dozor_records_in_total", stage="index", topic=enriched) == 5
    assert total(indexed, "dozor_dlq_records_total", stage="index") == 0
    assert total(indexed, "dozor_es_bulk_seconds_count", stage="index") >= 1
    assert total(indexed, "dozor_es_bulk_seconds_sum", stage="index") > 0

    enrich_lines = log_objects(logs[0], "enrich:")
    assert enrich_lines and all(line["stage"] == "enrich" for line in enrich_lines)
    dead = [line for line in enrich_lines if "-> DLQ" in line["message"]]
    assert len(dead) == 2 and all(line["level"] == "WARNING" and "exc_info" not in line for line in dead)
    index_lines = log_objects(logs[1], "index:")
    assert index_lines and all(line["stage"] == "index" for line in index_lines)


def test_a_taken_metrics_port_fails_at_start_naming_the_setting(env_settings: DozorSettings) -> None:
    port = free_port()
    with service(["enrich", "--workers", "1"], port, Path(os.devnull)):
        wait_for(f"http://127.0.0.1:{port}/metrics", lambda s: True, 60, "the first enrich serves /metrics")
        second = subprocess.run(
            [str(DOZOR), "enrich", "--drain", "--workers", "1", "--metrics-port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert second.returncode == 2
    assert f"--metrics-port={port}: cannot serve metrics" in second.stderr and "Traceback" not in second.stderr


def test_api_serves_metrics_without_a_token(settings: DozorSettings) -> None:
    ss = SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, api_tokens="t-1")
    with serve_api(ss) as url, httpx.Client(base_url=url, timeout=30) as anon:
        assert anon.get("/healthz").status_code == 200
        assert anon.get("/search", params={"q": "*"}).status_code == 401
        before = scrape(f"{url}/metrics")
        anon.get("/healthz")
        reply = anon.get("/metrics")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
        after = scrape(f"{url}/metrics")
        assert "/metrics" not in anon.get("/openapi.json").json()["paths"]
    route = {"route": "/healthz", "method": "GET", "status": "200"}
    assert total(after, "dozor_http_requests_total", **route) - total(before, "dozor_http_requests_total", **route) == 1
    assert total(after, "dozor_http_requests_total", route="/search", status="401") >= 1
    assert total(after, "dozor_degraded", service="api") == 0  # Elasticsearch answered the health check


@pytest.mark.parametrize(
    ("args", "service_name"),
    [(["ocr"], "ocr"), (["evidence", "run"], "evidence"), (["alert", "--rules", "{rules}"], "alert")],
)
def test_every_other_service_serves_metrics(
    env_settings: DozorSettings, ss: SearchSettings, tmp_path: Path, args: list[str], service_name: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: metrics-smoke\n    query: 'мобилизация'\n", encoding="utf-8")
    port = free_port()
    with service([a.format(rules=rules) for a in args], port, tmp_path / "service.log") as proc:
        samples = wait_for(
            f"http://127.0.0.1:{port}/metrics",
            lambda s: ("dozor_degraded", frozenset({("service", service_name)})) in s,
            90,
            f"{service_name} serves its degraded gauge",
        )
        assert proc.poll() is None
    assert total(samples, "dozor_degraded", service=service_name) == 0
    lines = log_objects(tmp_path / "service.log", f"{service_name}:")
    assert lines and {line["stage"] for line in lines} == {service_name}

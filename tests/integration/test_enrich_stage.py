"""`dozor enrich --drain` through the real broker: good records to posts.enriched, bad ones to
posts.dlq with the stage and the reason, offsets committed, no topic -> exit 0 at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition

from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import StageRunner
from enrich.pipeline import Enricher
from enrich.stage import STAGE_NAME, make_stage

pytestmark = pytest.mark.integration

DOZOR = Path(sys.executable).with_name("dozor")


def raw_post(text: str, message_id: int) -> dict[str, Any]:
    channel = {"id": 990900, "username": "enrich_it", "title": "IT", "category": "media", "country": "KZ"}
    return {"schema": 1, "event": "new", "channel": channel, "message_id": message_id, "text": text}


def produce(settings: DozorSettings, values: list[bytes]) -> None:
    dk.ensure_topics(settings, [dk.RAW], partitions=2)
    producer = dk.producer(settings)
    try:
        for value in values:
            producer.send(settings.topic(dk.RAW), value=value, key=b"990900")
        producer.flush()
    finally:
        producer.close()


def read_all(settings: DozorSettings, topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    consumer = dk.consumer(settings, None)
    try:
        deadline = time.monotonic() + timeout
        while not consumer.partitions_for_topic(settings.topic(topic)) and time.monotonic() < deadline:
            time.sleep(0.2)
        tps = [TopicPartition(settings.topic(topic), p) for p in consumer.partitions_for_topic(settings.topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def drain(env: dict[str, str] | None = None, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(DOZOR), "enrich", "--drain", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)


def test_drain_enriches_good_records_and_dead_letters_bad_ones(env_settings: DozorSettings) -> None:
    good = [
        raw_post("Еңбек мигранттары үшін жаңа ережелер", 1),
        raw_post("Иш ҳақи икки ойдан бери кечиктирилмоқда", 2),
        raw_post("Проверки прошли в трёх общежитиях на юге Москвы", 3),
    ]
    no_channel = {k: v for k, v in raw_post("нет канала", 4).items() if k != "channel"}
    values = [json.dumps(p, ensure_ascii=False).encode() for p in good]
    values[1:1] = [b"{not json", json.dumps(no_channel, ensure_ascii=False).encode()]
    produce(env_settings, values)

    proc = drain()
    assert proc.returncode == 0, proc.stderr
    assert "5 consumed, 3 produced, 2 to DLQ" in proc.stderr
    assert "Traceback" not in proc.stderr

    enriched = [json.loads(r.value) for r in read_all(env_settings, dk.ENRICHED, 3)]
    assert sorted((r["message_id"], r["lang"], r["script"]) for r in enriched) == [
        (1, "kk", "Cyrl"),
        (2, "uz", "Cyrl"),
        (3, "ru", "Cyrl"),
    ]
    by_id = {r["message_id"]: r for r in enriched}
    assert by_id[2]["text_norm"] == "ish haqi ikki oydan beri kechiktirilmoqda"
    assert "общежит" in by_id[3]["text_stem"].split()
    assert by_id[1]["topics"] == ["migration"]

    dead = read_all(env_settings, dk.DLQ, 2)
    assert sorted(r.value for r in dead) == sorted(values[1:3])
    for record in dead:
        headers = dict(record.headers)
        assert headers[dk.H_STAGE] == STAGE_NAME.encode()
        assert headers[dk.H_ERROR]
        assert headers[dk.H_SOURCE].startswith(env_settings.topic(dk.RAW).encode())
    reasons = sorted(dict(r.headers)[dk.H_ERROR].decode() for r in dead)
    assert reasons[0].startswith("JSONDecodeError") and "channel" in reasons[1]

    again = drain()  # offsets were committed: nothing is read twice
    assert again.returncode == 0 and "0 consumed" in again.stderr


def test_runner_commits_so_a_restart_goes_on_where_it_stopped(settings: DozorSettings) -> None:
    produce(settings, [json.dumps(raw_post(f"New rules for labour migrants, part {i}", i)).encode() for i in range(6)])

    def runner(max_batch: int) -> StageRunner:
        stage = make_stage(Enricher())
        return StageRunner(STAGE_NAME, settings, dk.RAW, stage, max_batch=max_batch)

    first = runner(2).drain()
    assert (first.consumed, first.produced, first.rejected) == (6, 6, 0)
    produce(settings, [json.dumps(raw_post("Draft notices are handed out at metro stations", 9)).encode()])
    second = runner(500).drain()
    assert (second.consumed, second.produced) == (1, 1)
    assert json.loads(read_all(settings, dk.ENRICHED, 7)[-1].value)["lang"] == "en"


def test_drain_without_a_topic_exits_at_once(env_settings: DozorSettings) -> None:
    start = time.monotonic()
    proc = drain(None, "--workers", "1")  # one process: the bound is on waiting for Kafka, not on spawning workers
    assert proc.returncode == 0, proc.stderr
    assert "0 consumed" in proc.stderr
    assert time.monotonic() - start < 30

"""Entities end to end: posts enriched by the real enricher, indexed through Kafka, found with the entity
query fields (`law:"359 УК"`, `place:Сахарово`, `org:ГУВМ`, `deadline:`), hits carrying `entities`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dozor import kafka as dk
from enrich.pipeline import enrich_record
from search.settings import SearchSettings
from tests.support.stack import produce

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))


def post(message_id: int, text: str, country: str) -> dict[str, Any]:
    channel = {"id": 4150, "username": "entities_test", "title": "T", "category": "media", "country": country}
    raw = {"schema": 1, "channel": channel, "message_id": message_id, "date": "2026-11-20T08:00:00Z", "text": text}
    return enrich_record(raw)


def search(ss: SearchSettings, query: str) -> list[dict[str, Any]]:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run([DOZOR, "search", query, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_entity_fields_are_searchable_and_hits_carry_entities(ss: SearchSettings) -> None:
    posts = [
        post(1, "Житель Челябинска осуждён по ч. 3 ст. 359 УК РФ. Сбор до 1 января.", "RU"),
        post(2, "Sahrovo emas, Saxarovodagi markazda navbat. Murojaat: 90 123 45 67", "UZ"),
        post(3, "ГУВМ МВД России: штраф от 2 до 5 тыс. рублей.", "RU"),
    ]
    produce(ss, dk.ENRICHED, posts)
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run([DOZOR, "index", "--drain"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    hits = search(ss, 'law:"359 УК"')
    assert [h["id"] for h in hits] == ["tg:4150:1"]
    assert hits[0]["entities"] == {"date": ["2027-01-01"], "law": ["359 УК РФ"], "place": ["Челябинск"]}
    assert [h["id"] for h in search(ss, "place:Сахарово")] == ["tg:4150:2"]
    assert [h["id"] for h in search(ss, "place:Saxarovo")] == ["tg:4150:2"]  # any script: the canonical name
    assert [h["id"] for h in search(ss, "org:ГУВМ")] == ["tg:4150:3"]
    assert [h["id"] for h in search(ss, 'phone:"+998 90 123 45 67"')] == ["tg:4150:2"]
    assert [h["id"] for h in search(ss, 'money:"5000 RUB"')] == ["tg:4150:3"]
    assert [h["id"] for h in search(ss, "deadline:[2026-12-01 TO 2027-01-31]")] == ["tg:4150:1"]
    assert search(ss, "place:Москва") == []

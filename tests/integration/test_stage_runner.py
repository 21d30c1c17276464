"""The stage runner against the real broker: drain semantics, DLQ with reasons, commits after acks."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pydantic import BaseModel

from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import Output, Record, RecordError, StageRunner, record_stage
from dozor.topics import Topic


class Note(BaseModel):
    text: object = None


def shout(record: Record[Note]) -> Iterator[Output]:
    note = record.value
    if not isinstance(note.text, str):
        raise RecordError("text must be a string")
    yield Output(dk.ENRICHED, json.dumps({"text": note.text.upper()}).encode(), key=b"k")


SHOUT = record_stage(Topic(dk.RAW, Note), shout)


def produce(settings: DozorSettings, topic: str, values: list[bytes]) -> None:
    producer = dk.producer(settings)
    for v in values:
        producer.send(settings.topic(topic), value=v, key=b"k")
    producer.flush()
    producer.close()


def test_drain_without_topic_returns_at_once(settings: DozorSettings) -> None:
    stats = StageRunner("t-none", settings, dk.RAW, SHOUT).drain()
    assert stats.consumed == 0


def test_drain_processes_to_the_end_and_commits(settings: DozorSettings) -> None:
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ], partitions=3)
    good = [json.dumps({"text": f"post {i}"}).encode() for i in range(50)]
    bad = [b"{not json", json.dumps({"text": 5}).encode()]
    produce(settings, dk.RAW, good + bad)

    stats = StageRunner("shout", settings, dk.RAW, SHOUT).drain()
    assert (stats.consumed, stats.produced, stats.rejected) == (52, 50, 2)

    out = sorted(json.loads(r.value)["text"] for r in dk.read_all(settings, dk.ENRICHED))
    assert out == sorted(f"POST {i}" for i in range(50))
    dlq = dk.read_all(settings, dk.DLQ)
    assert sorted(r.value for r in dlq) == sorted(bad)
    headers = [dict(r.headers) for r in dlq]
    assert all(h[dk.H_STAGE] == b"shout" for h in headers)
    assert any(b"text must be a string" in h[dk.H_ERROR] for h in headers)

    # A second drain of the same group starts from the committed offsets: nothing left to do.
    again = StageRunner("shout", settings, dk.RAW, SHOUT).drain()
    assert again.consumed == 0

    # New records after the commit are picked up, and only they.
    produce(settings, dk.RAW, [json.dumps({"text": "late"}).encode()])
    late = StageRunner("shout", settings, dk.RAW, SHOUT).drain()
    assert (late.consumed, late.produced) == (1, 1)

"""The local stack is the real thing: status, idempotent `up`, and the official clients against it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from elasticsearch import helpers

from dozor import es as des
from dozor import kafka as dk
from dozor import settings as cfg
from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from media.settings import MediaSettings
from media.store import open_store


def test_status_reports_both_healthy_with_pinned_versions(stack: LocalStack) -> None:
    rows = {s.name: s for s in stack.status()}
    assert rows["kafka"].healthy and rows["elasticsearch"].healthy
    assert rows["kafka"].version == "4.1.1"
    assert rows["elasticsearch"].version == "8.19.7"


def test_status_shows_s3proxy_and_the_blob_store_size(stack: LocalStack) -> None:
    rows = {s.name: s for s in stack.status()}
    assert rows["s3proxy"].healthy and rows["s3proxy"].version == "2.6.0"
    assert rows["media store"].address == stack.settings.media_url
    objects, _ = stack.s3.usage()
    store = open_store(
        cfg.load(
            MediaSettings,
            media_url=f"s3://{stack.s3.bucket}/status-{uuid.uuid4().hex[:8]}",
            media_s3_endpoint=stack.s3.url,
        )
    )
    blob = store.put(os.urandom(2048))
    try:
        detail = {s.name: s for s in stack.status()}["s3proxy"].detail
        assert f"bucket {stack.s3.bucket}: {objects + 1} objects" in detail
        cli = subprocess.run(
            [str(Path(sys.executable).parent / "dozor"), "stack", "status"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert "s3proxy" in cli.stdout and f"{objects + 1} objects" in cli.stdout
        creds = stack.s3.credentials()
        assert creds is not None and creds.secret.get_secret_value() not in cli.stdout + cli.stderr
    finally:
        store.delete(blob.sha256)


def test_up_when_already_up_returns_at_once(stack: LocalStack) -> None:
    t0 = time.monotonic()
    assert stack.up() == {}
    assert time.monotonic() - t0 < 10


def test_kafka_round_trip(settings: DozorSettings) -> None:
    producer = dk.producer(settings)
    topic = settings.topic("roundtrip")
    for i in range(100):
        producer.send(topic, key=str(i % 3).encode(), value=f'{{"n": {i}}}'.encode())
    producer.flush()
    producer.close()
    consumer = dk.consumer(settings, "roundtrip-group", consumer_timeout_ms=5000)
    consumer.subscribe([topic])
    got = sorted(int(r.value.decode().split(":")[1].rstrip("}")) for r in consumer)
    consumer.close()
    assert got == list(range(100))


def test_es_bulk_and_search(settings: DozorSettings) -> None:
    es = des.client(settings)
    index = settings.index("smoke")
    es.indices.create(index=index, mappings={"properties": {"text": {"type": "text"}, "n": {"type": "integer"}}})
    ok, errors = helpers.bulk(
        es, ({"_index": index, "_id": str(i), "text": f"migrant post {i}", "n": i} for i in range(200)), refresh=True
    )
    assert ok == 200 and not errors
    resp = es.search(index=index, query={"match": {"text": "post"}}, size=0, track_total_hits=True)
    assert resp["hits"]["total"]["value"] == 200
    es.indices.delete(index=index)


def test_project_template_on_the_local_node(settings: DozorSettings) -> None:
    """The project's own template works on the minimal node: monthly index behind the alias,
    whitespace-analyzed text_stem, keyword filters."""
    from datetime import UTC, datetime

    from search import index as ix
    from tests.support.stack import drop_indices

    es = des.client(settings)
    ix.ensure_templates(es, settings)
    alias = ix.posts_alias(settings)
    docs = [
        {"text": "Мигранты в очереди", "text_stem": "мигрант в очеред", "lang": "ru", "date": "2026-10-03T10:00:00Z"},
        {"text": "Ish haqi", "text_stem": "ish haq", "lang": "uz", "date": "2026-11-04T10:00:00Z"},
    ]
    actions = [
        {"_index": ix.posts_index(settings, datetime.fromisoformat(d["date"]).astimezone(UTC)), "_id": f"tg:1:{i}", **d}
        for i, d in enumerate(docs)
    ]
    ok, _ = helpers.bulk(es, actions, refresh=True)
    assert ok == 2
    assert set(es.indices.get_alias(name=alias)) == {f"{alias}-2026.10", f"{alias}-2026.11"}
    hit = es.search(
        index=alias,
        query={"bool": {"must": [{"term": {"text_stem": "мигрант"}}], "filter": [{"term": {"lang": "ru"}}]}},
    )
    assert [h["_id"] for h in hit["hits"]["hits"]] == ["tg:1:0"]
    tokens = es.indices.analyze(index=f"{alias}-2026.11", field="text_stem", text="ish haq")["tokens"]
    assert [t["token"] for t in tokens] == ["ish", "haq"]
    drop_indices(es, settings)

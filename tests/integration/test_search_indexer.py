"""The indexer against the real broker and node: exactly once, replays, edits, deletes, DLQ, offsets."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from search import index as ix
from search import service
from search.filters import SearchFilters
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce, read_topic

pytestmark = pytest.mark.integration


def count(es: Elasticsearch, ss: SearchSettings, include_deleted: bool = True) -> int:
    return service.search(es, ss, "*", SearchFilters(include_deleted=include_deleted), limit=1).total


def corpus(n: int = 60) -> list[dict[str, object]]:
    texts = [
        ("Объявлена частичная мобилизация, повестки вручают у метро", "ru"),
        ("Фуқаролигини олиш учун янги тартиб жорий этилди", "uz"),
        ("Migration centre in Sakharovo extends working hours", "en"),
    ]
    return [
        enriched(
            100 + i % 3,
            1000 + i,
            texts[i % 3][0] + f" #{i}",
            texts[i % 3][1],
            date=f"2026-{9 + i % 2:02d}-0{1 + i % 9}T10:00:00Z",
        )
        for i in range(n)
    ]


def test_every_post_once_and_a_replay_adds_nothing(ss: SearchSettings, es: Elasticsearch) -> None:
    records = corpus()
    produce(ss, dk.ENRICHED, records)
    stats, _ = drain_index(ss, max_batch=25)
    assert stats.consumed == len(records) and stats.rejected == 0
    assert count(es, ss) == len(records)
    assert sorted(es.indices.get_alias(name=ix.posts_alias(ss))) == [
        f"{ix.posts_alias(ss)}-2026.09",
        f"{ix.posts_alias(ss)}-2026.10",
    ]

    # Offsets were committed: a second drain finds nothing; a replay of the same records adds nothing.
    assert drain_index(ss)[0].consumed == 0
    produce(ss, dk.ENRICHED, records)
    stats, indexer = drain_index(ss)
    assert stats.consumed == len(records) and indexer.written == 0
    assert count(es, ss) == len(records)


def test_edit_updates_and_versions_delete_hides(ss: SearchSettings, es: Elasticsearch) -> None:
    base = enriched(7, 1, "Повестки раздают в общежитиях", "ru", date="2026-10-05T10:00:00Z", topics=["mobilization"])
    edit = enriched(
        7,
        1,
        "Повестки раздают в общежитиях и на рынках",
        "ru",
        event="edit",
        date="2026-10-05T10:00:00Z",
        edit_date="2026-10-05T12:00:00Z",
    )
    stale = enriched(
        7, 1, "старый текст", "ru", event="edit", date="2026-10-05T10:00:00Z", edit_date="2026-10-05T11:00:00Z"
    )
    other = enriched(7, 2, "Рейд на рынке", "ru", date="2026-10-06T10:00:00Z")
    produce(ss, dk.ENRICHED, [base, other])
    drain_index(ss)
    produce(ss, dk.ENRICHED, [edit, stale, base])  # a stale edit and a re-sent `new` change nothing
    drain_index(ss)

    post = service.get_post(es, ss, "tg:7:1")
    assert post is not None and post["text"] == edit["text"] and post["edit_date"] == "2026-10-05T12:00:00Z"
    assert [(v["kind"], v["text"]) for v in post["versions"]] == [("original", base["text"]), ("edit", edit["text"])]
    assert [h["id"] for h in service.search(es, ss, "рынки", SearchFilters()).hits] == ["tg:7:2", "tg:7:1"]

    delete = {
        "schema": 1,
        "event": "delete",
        "channel": {"id": 7},
        "message_id": 2,
        "collected_at": "2026-10-07T00:00:00Z",
    }
    produce(ss, dk.ENRICHED, [delete, delete])
    drain_index(ss)
    assert [h["id"] for h in service.search(es, ss, "рынки", SearchFilters()).hits] == ["tg:7:1"]
    hits = service.search(es, ss, "рынки", SearchFilters(include_deleted=True)).hits
    assert [h["id"] for h in hits] == ["tg:7:2", "tg:7:1"] and hits[0]["deleted_at"] == "2026-10-07T00:00:00Z"
    assert hits[0]["text"] == "Рейд на рынке"  # a deleted post stays, with its text


def test_unseen_delete_is_a_stub_and_new_in_the_same_batch_follows_order(ss: SearchSettings, es: Elasticsearch) -> None:
    delete = {
        "schema": 1,
        "event": "delete",
        "channel": {"id": 9},
        "message_id": 5,
        "collected_at": "2026-10-07T00:00:00Z",
    }
    late_new = enriched(9, 5, "Пост, удалённый до того, как мы его увидели", "ru", date="2026-08-01T00:00:00Z")
    fresh = enriched(9, 6, "Новый пост", "ru", date="2026-10-08T00:00:00Z")
    edit = enriched(
        9,
        6,
        "Новый пост, исправленный",
        "ru",
        event="edit",
        date="2026-10-08T00:00:00Z",
        edit_date="2026-10-08T01:00:00Z",
    )
    produce(ss, dk.ENRICHED, [delete, late_new, fresh, edit])
    drain_index(ss)
    hits = {h["id"]: h for h in service.search(es, ss, "*", SearchFilters(include_deleted=True)).hits}
    assert set(hits) == {"tg:9:5", "tg:9:6"}
    assert hits["tg:9:5"]["deleted_at"] and hits["tg:9:5"]["text"] == late_new["text"]
    assert hits["tg:9:6"]["text"] == edit["text"]
    assert count(es, ss, include_deleted=False) == 1


def test_invalid_records_go_to_the_dlq_with_the_reason(ss: SearchSettings, es: Elasticsearch) -> None:
    ix.ensure_templates(es, ss)
    # A month index an operator made strict: Elasticsearch refuses a record carrying an unmapped field.
    es.indices.create(index=f"{ix.posts_alias(ss)}-2026.07", mappings={"dynamic": "strict"})
    refused = enriched(3, 1, "ok text", "en", date="2026-07-01T00:00:00Z", surprise="field")
    fine = enriched(3, 2, "ok text", "en", date="2026-07-02T00:00:00Z")
    produce(ss, dk.ENRICHED, [b"not json", {"schema": 1, "channel": {"id": "x"}}, refused, fine])
    stats, _ = drain_index(ss)
    assert stats.consumed == 4 and stats.rejected == 3
    assert count(es, ss) == 1
    reasons = [dict(r.headers)[dk.H_ERROR].decode() for r in read_topic(ss, dk.DLQ)]
    assert len(reasons) == 3
    assert any("strict_dynamic_mapping_exception" in r for r in reasons)
    assert sum("invalid posts.enriched record" in r for r in reasons) == 2

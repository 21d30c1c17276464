"""The indexer's create-only path for `new` events: a post already stored, in its month's index or
elsewhere, is never duplicated nor overwritten; only its counters are refreshed."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from search import index as ix
from search import service
from search.filters import SearchFilters
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce

pytestmark = pytest.mark.integration


def _docs(es: Elasticsearch, ss: SearchSettings) -> list[dict[str, Any]]:
    resp = es.search(index=ix.posts_alias(ss), query={"match_all": {}}, size=100)
    return [{"_index": h["_index"], **h["_source"]} for h in resp["hits"]["hits"]]


def test_new_after_an_earlier_batch_stored_a_stub_in_another_month(ss: SearchSettings, es: Elasticsearch) -> None:
    delete = {
        "schema": 1,
        "event": "delete",
        "channel": {"id": 4},
        "message_id": 8,
        "collected_at": "2026-10-07T00:00:00Z",
    }
    produce(ss, dk.ENRICHED, [delete])
    drain_index(ss)
    late_new = enriched(4, 8, "Пост, который удалили раньше, чем мы его увидели", "ru", date="2026-08-01T00:00:00Z")
    produce(ss, dk.ENRICHED, [late_new])
    drain_index(ss)  # a new process: only Elasticsearch knows where the stub is
    docs = _docs(es, ss)
    assert len(docs) == 1
    assert docs[0]["_index"].endswith("2026.10") and docs[0]["deleted_at"] == "2026-10-07T00:00:00Z"
    assert docs[0]["text"] == late_new["text"]


def test_resent_new_refreshes_counters_only_and_keeps_indexed_at(ss: SearchSettings, es: Elasticsearch) -> None:
    first = enriched(5, 1, "Первый текст", "ru", date="2026-10-05T10:00:00Z", views=10)
    edit = enriched(
        5, 1, "Исправленный текст", "ru", event="edit", date="2026-10-05T10:00:00Z", edit_date="2026-10-05T12:00:00Z"
    )
    produce(ss, dk.ENRICHED, [first, edit])
    drain_index(ss)
    before = _docs(es, ss)[0]
    resent = enriched(5, 1, "Первый текст", "ru", date="2026-10-05T10:00:00Z", views=99)
    produce(ss, dk.ENRICHED, [resent])
    stats, indexer = drain_index(ss)
    assert stats.rejected == 0 and indexer.written == 2  # the counters, and the original text as a version
    after = _docs(es, ss)
    assert len(after) == 1
    assert after[0]["text"] == edit["text"] and after[0]["views"] == 99
    assert after[0]["indexed_at"] == before["indexed_at"]
    assert service.search(es, ss, "*", SearchFilters(include_deleted=True), limit=1).total == 1

"""A post's comments found in Elasticsearch by their thread, also in a monthly index made before the
template knew comments (ensure_templates adds the fields to it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from dozor import es as dozor_es
from dozor.settings import DozorSettings
from search import index as ix
from search.comments import comments_of, comments_on, thread_post_id
from tests.support.stack import drop_indices

pytestmark = pytest.mark.integration


@pytest.fixture
def es(settings: DozorSettings) -> Iterator[Elasticsearch]:
    client = dozor_es.client(settings)
    yield client
    drop_indices(client, settings)
    client.close()


def doc(channel_id: int, message_id: int, date: str, **extra: object) -> dict[str, object]:
    return {
        "id": f"tg:{channel_id}:{message_id}",
        "channel": {"id": channel_id},
        "message_id": message_id,
        "date": date,
        "text": f"message {message_id}",
        **extra,
    }


def test_comments_are_found_by_thread_in_an_index_older_than_comments(
    es: Elasticsearch, settings: DozorSettings
) -> None:
    alias = ix.posts_alias(settings)
    old = f"{alias}-2026.10"
    before = {k: v for k, v in ix.POST_MAPPINGS["properties"].items() if k not in ix.ADDED_IN_5}
    es.indices.create(
        index=old,
        mappings={"dynamic": False, "properties": before},
        aliases={alias: {}},
        settings=ix._index_settings(1, 0),
    )
    ix.ensure_templates(es, settings)
    assert "thread" in es.indices.get_mapping(index=old)[old]["mappings"]["properties"]
    thread = {"channel_id": 10, "message_id": 5}
    rows = [
        doc(10, 5, "2026-10-01T09:00:00Z"),
        doc(20, 42, "2026-10-01T09:07:00Z", source_kind="comments", thread=thread),
        doc(20, 41, "2026-10-01T09:03:00Z", source_kind="comments", thread=thread),
        doc(20, 43, "2026-11-02T10:00:00Z", source_kind="comments", thread=thread),  # a month later: new index
        doc(20, 44, "2026-10-01T09:05:00Z", source_kind="comments", thread={"channel_id": 10, "message_id": 6}),
    ]
    for row in rows:
        es.index(index=f"{alias}-{str(row['date'])[:4]}.{str(row['date'])[5:7]}", id=str(row["id"]), document=row)
    es.indices.refresh(index=f"{alias}-*")
    found = comments_of(es, settings, 10, 5)
    assert found.count == 3 and [c["id"] for c in found.items] == ["tg:20:41", "tg:20:42", "tg:20:43"]
    assert comments_of(es, settings, 10, 5, limit=1).count == 3  # the count covers what is not listed
    assert comments_on(es, settings, rows[0]).count == 3
    assert comments_on(es, settings, {"channel": None, "message_id": 5}).count == 0
    assert thread_post_id(found.items[0]) == "tg:10:5" and thread_post_id(rows[0]) is None

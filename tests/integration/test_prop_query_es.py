"""Whatever the query compiler accepts, the real Elasticsearch accepts too: generated queries run through
the search service (query, filters, highlight, sort) against posts indices made from the project's own
templates. A query is either a QuerySyntaxError for the user or a search that answers; never an
Elasticsearch error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dozor import es as des
from dozor.stack.local import LocalStack
from search import index as ix
from search import service
from search.filters import SearchFilters
from search.query import QuerySyntaxError
from search.settings import SearchSettings
from tests.property.query_strategies import QUERIES
from tests.support.profiles import examples
from tests.support.stack import drop_indices, enriched

pytestmark = pytest.mark.integration
Posts = tuple[Elasticsearch, SearchSettings]


@pytest.fixture(scope="module")
def posts(stack: LocalStack, run_id: str) -> Iterator[Posts]:
    """Two posts in a throwaway monthly index (under this session's prefix, swept at the end)."""
    ss = SearchSettings(topic_prefix=f"t{run_id}-q-", index_prefix=f"dz{run_id}-{uuid.uuid4().hex[:6]}")
    es = des.client(ss)
    ix.ensure_templates(es, ss)
    docs = [
        enriched(21, 1, "Мигранты стоят в очереди за патентом #миграция", "ru", topics=["migration"]),
        enriched(22, 2, "Ish haqi ikki oydan beri kechiktirilmoqda", "uz", edit_date="2026-10-20T06:00:00Z"),
    ]
    for doc in docs:
        doc.update(id=f"tg:{doc['channel']['id']}:{doc['message_id']}", reactions_total=2, hashtags=["миграция"])
        index = ix.posts_index(ss, datetime.fromisoformat(doc["date"]))
        es.index(index=index, id=doc["id"], document=doc, refresh=True)
    yield es, ss
    drop_indices(es, ss)
    es.close()


@pytest.mark.timeout(600)  # the deadline of the whole run: ~200 searches take well under a minute
@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERIES, st.sampled_from([None, "ru", "uz"]))
@example("date:foo", None)
@example("views:99999999999999999999", None)
@example("a^-1", None)
def test_a_compiled_query_never_gets_an_elasticsearch_error(posts: Posts, query: str, lang: str | None) -> None:
    es, ss = posts
    try:
        result = service.search(es, ss, query, SearchFilters(lang=[lang] if lang else []), limit=5)
    except QuerySyntaxError:
        return
    assert 0 <= result.total <= 2

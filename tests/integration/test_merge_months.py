"""`dozor retention apply` merges the posts indices of past months to one segment each; the current month
is left as it is, and a dry run only lists them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from search import index as ix
from search.merge_months import months_to_merge
from search.retention import Retention
from search.retention_policy import PolicyFile
from search.settings import SearchSettings

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 20, tzinfo=UTC)
KEEP_ALL = PolicyFile.model_validate({"policies": [{"name": "all", "category": ["official"], "keep": True}]})


def _segments(es: Elasticsearch, index: str) -> int:
    stats = es.indices.stats(index=index, metric="segments")
    return int(stats["indices"][index]["primaries"]["segments"]["count"])


def _written_in_pieces(es: Elasticsearch, index: str, posts: int) -> None:
    ix.create_index(es, index)
    for n in range(posts):  # a refresh after each write: a segment each
        es.index(index=index, id=f"tg:1:{index[-2:]}{n}", document={"text": f"пост {n}"}, refresh=True)


def test_past_months_are_merged_and_the_current_month_is_left(es: Elasticsearch, ss: SearchSettings) -> None:
    ix.ensure_templates(es, ss)
    october, november = ix.posts_index(ss, datetime(2026, 10, 3)), ix.posts_index(ss, NOW)
    september = ix.posts_index(ss, datetime(2026, 9, 3))
    _written_in_pieces(es, october, 3)
    _written_in_pieces(es, november, 3)
    _written_in_pieces(es, september, 1)  # one segment already: nothing to do
    assert [_segments(es, i) for i in (september, october, november)] == [1, 3, 3]

    dry = Retention(es, ss, KEEP_ALL).run(dry_run=True, now=NOW)
    assert dry.merged == [(october, 3)]
    assert _segments(es, october) == 3

    done = Retention(es, ss, KEEP_ALL).run(dry_run=False, now=NOW)
    assert done.merged == [(october, 3)]
    assert [_segments(es, i) for i in (september, october, november)] == [1, 1, 3]
    assert es.count(index=october)["count"] == 3
    assert months_to_merge(es, ss, NOW) == []

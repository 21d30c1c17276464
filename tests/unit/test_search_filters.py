"""Search filters: flags -> Elasticsearch filter clauses; dates absolute and relative."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from search.filters import SearchFilters, build_filters, parse_when


def test_default_hides_deleted_posts_and_nothing_else() -> None:
    assert build_filters(SearchFilters()) == [{"bool": {"must_not": [{"exists": {"field": "deleted_at"}}]}}]
    assert build_filters(SearchFilters(include_deleted=True)) == []


def test_every_filter_becomes_a_clause() -> None:
    f = SearchFilters(
        lang="ru",
        topic=["mobilization", "citizenship"],
        channel=["@Foo", "1790000011", "https://t.me/bar"],
        category="official",
        country=["KZ"],
        since="2026-10-01",
        until="2026-10-31T23:59:59Z",
        include_deleted=True,
    )
    assert f.lang == ["ru"] and f.query_lang == "ru"
    assert build_filters(f) == [
        {"terms": {"lang": ["ru"]}},
        {"terms": {"topics": ["mobilization", "citizenship"]}},
        {
            "bool": {
                "should": [{"terms": {"channel.id": [1790000011]}}, {"terms": {"channel.username": ["foo", "bar"]}}],
                "minimum_should_match": 1,
            }
        },
        {"terms": {"channel.category": ["official"]}},
        {"terms": {"channel.country": ["kz"]}},
        {"range": {"date": {"gte": "2026-10-01T00:00:00+00:00", "lte": "2026-10-31T23:59:59+00:00"}}},
    ]


def test_relative_dates() -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert parse_when("7d", now) == datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert parse_when("30m", now) == datetime(2026, 11, 29, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["9999999999d", "999999999w", "740000d"])
def test_a_relative_date_past_year_1_is_a_value_error(value: str) -> None:
    # An OverflowError here was a 500 from /audit, /stories and rule tests (found by schemathesis).
    with pytest.raises(ValueError, match="goes back past year 1"):
        parse_when(value, datetime(2026, 11, 29, 12, tzinfo=UTC))


def test_bad_date_and_unknown_filter_are_refused() -> None:
    with pytest.raises(ValidationError, match="not a date"):
        SearchFilters(since="yesterday-ish")
    with pytest.raises(ValidationError):
        SearchFilters.model_validate({"lnag": ["ru"]})

"""The necessary condition a rule's compiled query yields for the prefilter (alerts/prefilter.py): sets of
indexed terms a post must each meet, or None when the query could match without any; and the check of a
batch's posts against it."""

from __future__ import annotations

from alerts.prefilter import Requirement, could_match, requirement
from search.filters import SearchFilters
from search.service import build_query


def need(query: str, **filters: object) -> Requirement:
    return requirement(build_query(query, SearchFilters.model_validate(filters)).query)


def flat(found: Requirement) -> set[tuple[str, str]]:
    assert found is not None
    return {term for one_of in found for term in one_of}


def test_and_requires_each_word_and_or_one_of_the_alternatives() -> None:
    both = need("мобилизация AND Нукус")
    assert both is not None and len(both) == 2
    place = next(one_of for one_of in both if ("text_stem", "нукус") in one_of)
    assert ("ocr_stem", "нукус") in place and ("text_stem", "nukus") in place  # any field, any form
    either = need("Хорог OR Кулоб")
    assert either is not None and len(either) == 1 and {("text_stem", "хорог"), ("text_stem", "кулоб")} <= flat(either)


def test_queries_without_a_required_term_are_always_searched() -> None:
    assert need("NOT погода") is None
    assert need('"лишении гражданства"') is None  # a phrase
    assert need("повест*") is None  # a wildcard
    assert need("погода OR повест*") is None  # an alternative without a condition
    assert all("погод" not in term for _, term in flat(need("указ AND NOT погода")))


def test_filters_keep_the_query_condition() -> None:
    only_ru, every = flat(need("повестка", lang=["ru"])), flat(need("повестка"))
    assert ("text_stem", "повестк") in only_ru and only_ru <= every


def test_condition_shapes() -> None:
    assert requirement({"term": {"text_stem": {"value": "суд"}}}) == (frozenset({("text_stem", "суд")}),)
    assert requirement({"term": {"channel.username": "x"}}) is None  # not a whitespace-analysed text field
    assert requirement({"match": {"text": {"query": "Нукус", "operator": "and"}}}) is None  # no analyzer given
    split = lambda analyzer, text: text.split() if analyzer == "standard" else []  # noqa: E731
    words = {"match": {"text": {"query": "a b", "operator": "and"}}}
    assert requirement(words, split) == (frozenset({("text", "a")}), frozenset({("text", "b")}))
    assert requirement({"match": {"text": "a b"}}, split) == (frozenset({("text", "a"), ("text", "b")}),)
    should = {"bool": {"should": [{"term": {"text_stem": "a"}}, {"term": {"text_stem": "b"}}]}}
    assert requirement(should) == (frozenset({("text_stem", "a"), ("text_stem", "b")}),)
    optional = {"bool": {"should": should["bool"]["should"], "filter": [{"range": {"date": {"gt": 1}}}]}}
    assert requirement(optional) is None  # with a filter clause, should clauses are optional
    assert requirement({"bool": {**optional["bool"], "minimum_should_match": 1}}) == requirement(should)
    assert requirement({"bool": {**should["bool"], "minimum_should_match": "50%"}}) is None


def test_a_post_must_meet_every_set_by_itself() -> None:
    place_and_word = (frozenset({("text_stem", "нукус")}), frozenset({("text_stem", "суд"), ("ocr_stem", "суд")}))
    posts = [{("text_stem", "нукус")}, {("ocr_stem", "суд")}]
    every = set().union(*posts)
    assert not could_match(place_and_word, posts, every)  # each word is in the batch, never both in one post
    assert could_match(place_and_word, [*posts, {("text_stem", "нукус"), ("ocr_stem", "суд")}], every)
    assert not could_match((frozenset({("text_stem", "хорог")}),), posts, every)
    assert could_match(None, [], set())

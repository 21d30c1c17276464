"""The query language: luqum parse, field whitelist, stemming like the enricher, errors with positions."""

from __future__ import annotations

from typing import Any

import pytest

from enrich.analysis import analyze
from search.query import QuerySyntaxError, compile_full, compile_query
from search.saved import SearchSpec


def terms_of(query: dict[str, Any], field: str = "text_stem") -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "term" and field in value:
                    found.add(value[field])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(query)
    return found


def test_star_and_empty_match_everything() -> None:
    assert compile_query("*") == {"match_all": {}}
    assert compile_query("  ") == {"match_all": {}}


def test_unqualified_term_is_stemmed_like_the_post_in_every_cyrillic_language() -> None:
    stems = terms_of(compile_query("мобилизация"))
    assert analyze("мобилизацией", "ru")[0] in stems  # the form a Russian post is indexed under
    assert "mobilizatsiya" in stems  # Uzbek: folded to Latin


def test_lang_restricts_stemming_to_one_language() -> None:
    assert terms_of(compile_query("мобилизация", lang="ru")) == set(analyze("мобилизация", "ru"))


def test_uzbek_latin_query_meets_cyrillic_post_stem() -> None:
    assert set(analyze("фуқаролигини", "uz")) <= terms_of(compile_query("fuqarolik"))


def test_phrase_is_its_stems_in_order() -> None:
    q = compile_query('"migration centers"', lang="en")
    assert q == {"match_phrase": {"text_stem": {"query": " ".join(analyze("migration center", "en")), "slop": 0}}}


def test_text_field_matches_exact_words_and_boolean_structure() -> None:
    q = compile_query("text:Сахарово AND NOT topic:recruitment OR lang:uz")
    assert q["bool"]["should"][0]["bool"]["must"][0] == {"match": {"text": {"query": "Сахарово", "operator": "and"}}}
    assert q["bool"]["should"][0]["bool"]["must"][1] == {"bool": {"must_not": [{"term": {"topics": "recruitment"}}]}}
    assert q["bool"]["should"][1] == {"term": {"lang": "uz"}}


def test_implicit_operator_is_and() -> None:
    q = compile_query("Сахарово контракт", lang="ru")
    assert len(q["bool"]["must"]) == 2


def test_channel_ranges_and_dates() -> None:
    assert compile_query("channel:@Foo") == {"term": {"channel.username": "Foo"}}
    assert compile_query("channel:1790000011") == {"term": {"channel.id": 1790000011}}
    assert compile_query('channel:"-1001"') == {"term": {"channel.id": -1001}}
    assert compile_query("views:[100 TO *]") == {"range": {"views": {"gte": 100}}}
    assert compile_query("date:2026-10") == {"range": {"date": {"gte": "2026-10||/M", "lte": "2026-10||/M"}}}
    assert compile_query("views:>=5") == {"range": {"views": {"gte": 5}}}
    assert compile_query("topic:Mobilization AND script:Cyrl") == {
        "bool": {"must": [{"term": {"topics": "mobilization"}}, {"term": {"script": "Cyrl"}}]}
    }


def test_wildcards_use_normalized_text() -> None:
    q = compile_query("Мобилиз*", lang="ru")
    assert q == {"wildcard": {"text_norm": {"value": "мобилиз*"}}}


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("a AND (b", 8, "unexpected end"),
        ("mobilization ]", 13, "unexpected"),
        ('text:"abc', 5, "Illegal character"),
        ("secret:x", 0, "unknown field 'secret'"),
        ("lang:(a AND text:b)", 12, "inside another field"),
        ("views:abc", 6, "not a number"),
        ("text:[a TO b]", 5, "ranges work on dates and counts"),
        ("text:/re.*/", 5, "regular expressions"),
    ],
)
def test_errors_name_the_position(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        compile_query(query)
    assert err.value.position == position
    assert fragment in str(err.value)
    assert err.value.exit_code == 2
    assert "\n" not in str(err.value)


def test_raw_dsl_is_not_a_query() -> None:
    with pytest.raises(QuerySyntaxError, match=r"position 9: unexpected ':'$"):
        compile_query('{"script": {"source": "x"}}')


def test_highlight_terms_are_collected() -> None:
    compiled = compile_full("мобилизация text:повестка", lang="ru")
    assert compiled.stems == set(analyze("мобилизация", "ru"))
    assert compiled.words == {"повестка"}
    assert compile_full("Повестк* text:военком?т").wildcards == {"повестк*", "военком?т"}


def test_query_terms_fold_latin_diacritics_like_posts() -> None:
    assert terms_of(compile_query("Sulaymān")) == terms_of(compile_query("Sulayman")) == {"sulayman"}
    assert terms_of(compile_query("kalam", lang="en")) == terms_of(compile_query("Kalām", lang="en"))


def test_wildcards_reach_turkish_text_norm_with_its_letters() -> None:
    patterns = str(compile_query("şehir*"))
    assert "'sehir*'" in patterns and "'şehir*'" in patterns


def test_a_saved_search_with_a_bad_query_is_refused_every_time() -> None:
    for _ in range(2):  # the check of a query is remembered only when it passed
        assert SearchSpec(query="повестка AND Нукус").query == "повестка AND Нукус"
        with pytest.raises(QuerySyntaxError):
            SearchSpec(query="повестка AND (Нукус")

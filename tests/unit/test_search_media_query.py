"""Image text and media in the query language, the filters and the hits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from enrich.analysis import analyze
from search.filters import SearchFilters, build_filters
from search.hits import hit_to_json
from search.media import hamming, phash_bands
from search.query import QuerySyntaxError, compile_query

STEM = analyze("мобилизация", "ru")[0]


def test_unqualified_terms_and_phrases_match_post_text_or_image_text() -> None:
    q = compile_query("мобилизация", lang="ru", image_text=True)
    assert q == {
        "bool": {"should": [{"term": {"text_stem": STEM}}, {"term": {"ocr_stem": STEM}}], "minimum_should_match": 1}
    }
    phrase = compile_query('"migration centers"', lang="en", image_text=True)
    stems = " ".join(analyze("migration center", "en"))
    assert [c["match_phrase"] for c in phrase["bool"]["should"]] == [
        {"text_stem": {"query": stems, "slop": 0}},
        {"ocr_stem": {"query": stems, "slop": 0}},
    ]
    wildcard = compile_query("Мобилиз*", lang="ru", image_text=True)
    assert [next(iter(c["wildcard"])) for c in wildcard["bool"]["should"]] == ["text_norm", "ocr_norm"]


def test_each_term_may_match_either_text_and_qualified_fields_stay_where_they_are() -> None:
    q = compile_query("указ призыв", lang="ru", image_text=True)
    assert [len(c["bool"]["should"]) for c in q["bool"]["must"]] == [2, 2]  # AND of (text OR image) per term
    assert compile_query("text:Указ", image_text=True) == {"match": {"text": {"query": "Указ", "operator": "and"}}}
    assert compile_query("мобилизация", lang="ru") == {"term": {"text_stem": STEM}}  # without image_text


def test_ocr_field_restricts_to_image_text() -> None:
    assert compile_query("ocr:мобилизация", lang="ru", image_text=True) == {"term": {"ocr_stem": STEM}}
    assert compile_query("ocr:*") == {"exists": {"field": "ocr_stem"}}
    assert compile_query("ocr:Мобилиз*", lang="ru") == {"wildcard": {"ocr_norm": {"value": "мобилиз*"}}}
    assert compile_query("ocr_text:Указ") == {"match": {"media.ocr_text": {"query": "Указ", "operator": "and"}}}


def test_media_fields_and_phash() -> None:
    assert compile_query("media:Photo") == {"term": {"media.type": "photo"}}
    assert compile_query("media_status:stored") == {"term": {"media.status": "stored"}}
    assert compile_query("phash:F0E1D2C3B4A59687") == {
        "terms": {"media.phash_bands": ["0:f0e1", "1:d2c3", "2:b4a5", "3:9687"]}
    }
    with pytest.raises(QuerySyntaxError) as err:
        compile_query("phash:xyz")
    assert err.value.position == 6 and "16 hex digits" in str(err.value)


def test_hashes_within_three_bits_share_a_band() -> None:
    a = "f0e1d2c3b4a59687"
    b = f"{int(a, 16) ^ 0b1000_0000_0000_0001_0000_0000_0000_0001:016x}"
    assert hamming(a, b) == 3
    assert set(phash_bands(a)) & set(phash_bands(b))


def test_media_filters() -> None:
    f = SearchFilters(has_media=True, media_type="Photo", phash="F0E1D2C3B4A59687")
    clauses = build_filters(f)
    assert {"terms": {"media.type": ["photo"]}} in clauses
    assert {"terms": {"media.phash_bands": phash_bands("f0e1d2c3b4a59687")}} in clauses
    has_file = next(c for c in clauses if "terms" in c and "document" in c["terms"].get("media.type", []))
    assert "webpage" not in has_file["terms"]["media.type"]  # a link preview is not a media file
    without = build_filters(SearchFilters(has_media=False))
    assert without[0] == {"bool": {"must_not": [has_file]}}
    with pytest.raises(ValidationError, match="16 hex digits"):
        SearchFilters(phash="abc")


def test_hits_carry_media_items_without_the_index_internals() -> None:
    item = {
        "sha256": "ab" * 32,
        "type": "photo",
        "status": "stored",
        "ocr_text": "УКАЗ",
        "phash": "f0e1d2c3b4a59687",
        "phash_bands": phash_bands("f0e1d2c3b4a59687"),
        "ocr_fields": {"norm": "указ", "stem": "указ", "topic_hits": {}},
    }
    hit = hit_to_json({"_id": "tg:1:2", "_source": {"id": "tg:1:2", "media": [item]}})
    assert hit["media"] == [
        {"sha256": "ab" * 32, "type": "photo", "status": "stored", "phash": "f0e1d2c3b4a59687", "ocr_text": "УКАЗ"}
    ]
    older = hit_to_json({"_id": "tg:1:3", "_source": {"media": {"type": "photo", "size": 5}}})
    assert older["media"] == [{"type": "photo", "status": "pending", "size": 5}]
    assert "media" not in hit_to_json({"_id": "tg:1:4", "_source": {"media": None}})


def test_image_text_snippets_mark_the_query_words() -> None:
    from search.query import compile_full
    from search.service import _image_highlight

    stems = compile_full("призыве", lang="ru", image_text=True).stems
    hit = hit_to_json(
        {
            "_id": "tg:1:2",
            "_source": {
                "lang": "und",
                "media": [{"type": "photo", "status": "stored", "ocr_text": "Указ о призыве", "ocr_lang": "ru"}],
            },
        }
    )
    assert _image_highlight(hit, stems) == ["Указ о <mark>призыве</mark>"]
    assert _image_highlight(hit_to_json({"_id": "tg:1:3", "_source": {}}), stems) == []

"""The --json hit object and highlighting of stems the index could not mark."""

from __future__ import annotations

from pydantic import TypeAdapter

from search.hits import SearchHit, hit_to_json, mark_stems


def test_hit_to_json_has_the_contract_keys() -> None:
    hit = {
        "_id": "tg:7:42",
        "_source": {
            "id": "tg:7:42",
            "channel": {"id": 7, "username": "chan", "title": "T"},
            "message_id": 42,
            "date": "2026-10-05T10:00:00Z",
            "lang": "ru",
            "script": "Cyrl",
            "topics": ["migration"],
            "text": "Рейд на рынке",
            "deleted_at": "2026-10-06T00:00:00Z",
        },
        "highlight": {"text": ["<mark>Рейд</mark> на рынке"]},
    }
    out = hit_to_json(hit)
    assert list(out)[:10] == [
        "id",
        "channel",
        "message_id",
        "date",
        "lang",
        "script",
        "topics",
        "text",
        "url",
        "highlight",
    ]
    assert out["url"] == "https://t.me/chan/42"
    assert out["highlight"] == ["<mark>Рейд</mark> на рынке"]
    assert out["deleted_at"] == "2026-10-06T00:00:00Z"


def test_no_username_no_url() -> None:
    out = hit_to_json({"_id": "tg:7:1", "_source": {"channel": {"id": 7}, "message_id": 1}})
    assert out["url"] is None and out["highlight"] == [] and out["text"] == ""


def test_mark_stems_marks_cyrillic_words_for_a_latin_stem() -> None:
    text = "Янги қонун: фуқаролигини олиш осонлашди."
    assert mark_stems(text, "uz", {"fuqarolik"}) == ["Янги қонун: <mark>фуқаролигини</mark> олиш осонлашди."]
    assert mark_stems(text, "uz", {"nothing"}) == []


def test_the_json_object_is_a_valid_search_hit() -> None:
    source = {"id": "tg:7:1", "channel": {"id": 7}, "message_id": 1, "views": 3, "deleted_at": "2026-10-06T00:00:00Z"}
    out = hit_to_json({"_id": "tg:7:1", "_source": source})
    assert set(out) <= set(SearchHit.__annotations__)
    assert TypeAdapter(SearchHit).validate_python(out) == out
    assert out["views"] == 3 and "forwards" not in out and "edit_date" not in out

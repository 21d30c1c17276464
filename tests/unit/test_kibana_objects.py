"""The Kibana objects: stable ids, the repository's NDJSON equals the generator's output, and every
field the objects use exists in the index mappings with a type that fits its use."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from search.filters import SearchFilters
from search.service import build_query
from surfaces.kibana.cli import REPO_NDJSON
from surfaces.kibana.fields import check, field_uses, known_mappings
from surfaces.kibana.objects import Ids, dozor_saved_search, static_objects
from surfaces.kibana.saved_object import from_ndjson, to_ndjson

MAPPINGS = known_mappings()


def test_ids_are_fixed_names_and_unique() -> None:
    objs = static_objects()
    assert [o["id"] for o in objs] == [o["id"] for o in static_objects()]
    assert len({o["id"] for o in objs}) == len(objs)
    assert {(o["type"], o["id"]) for o in objs} == {
        ("index-pattern", "dozor-data-view-posts"),
        ("index-pattern", "dozor-data-view-alerts"),
        ("lens", "dozor-lens-posts-per-day-by-topic"),
        ("lens", "dozor-lens-language-split"),
        ("lens", "dozor-lens-top-channels-by-category"),
        ("lens", "dozor-lens-alerts-per-rule"),
        ("lens", "dozor-lens-largest-stories"),
        ("lens", "dozor-lens-places-named"),
        ("lens", "dozor-lens-organisations-named"),
        ("lens", "dozor-lens-law-articles-named"),
        ("lens", "dozor-lens-channels-pointed-to"),
        ("search", "dozor-search-official-latest"),
        ("search", "dozor-search-official-changes"),
        ("dashboard", "dozor-dashboard-overview"),
    }


def test_ids_follow_the_index_prefix() -> None:
    ids = {o["id"] for o in static_objects("dz42")}
    assert all(i.startswith("dz42-") for i in ids)
    view = static_objects("dz42")[0]
    assert view["attributes"]["title"] == "dz42-posts*"


def test_repository_ndjson_is_the_generators_output() -> None:
    assert REPO_NDJSON.read_text(encoding="utf-8") == to_ndjson(static_objects())
    assert from_ndjson(REPO_NDJSON.read_text(encoding="utf-8")) == static_objects()


def test_posts_data_view_is_on_date_with_url_as_link() -> None:
    view = static_objects()[0]
    attrs = view["attributes"]
    assert (attrs["title"], attrs["timeFieldName"]) == ("dozor-posts*", "date")
    assert orjson.loads(attrs["fieldFormatMap"])["url"]["id"] == "url"
    assert orjson.loads(attrs["runtimeFieldMap"])["url"]["type"] == "keyword"


def test_dashboard_has_every_chart_and_table() -> None:
    objs = {o["id"]: o for o in static_objects()}
    board = objs["dozor-dashboard-overview"]
    assert board["attributes"]["title"] == "Dozor overview"
    panels = orjson.loads(board["attributes"]["panelsJSON"])
    names = {p["panelRefName"] for p in panels}
    assert {r["name"].split(":")[1] for r in board["references"]} == names
    titles = {objs[r["id"]]["attributes"]["title"] for r in board["references"]}
    assert titles == {
        "Dozor: posts per day by topic",
        "Dozor: language split",
        "Dozor: top channels by category",
        "Dozor: alerts per rule",
        "Dozor: latest posts of official channels",
        "Dozor: edits and deletions of official posts",
        "Dozor: largest stories (posts per story)",
        "Dozor: places named",
        "Dozor: organisations named",
        "Dozor: law articles named",
        "Dozor: channels pointed to",
    }


def test_every_field_used_exists_with_a_fitting_type() -> None:
    objs = static_objects()
    assert check(objs, MAPPINGS) == []
    used = {u.field for o in objs for u in field_uses(o)}
    # the check really looked at the fields the charts and tables rely on
    assert {"date", "topics", "lang", "channel.title.raw", "channel.category", "rule", "fired_at"} <= used
    assert {"edit_date", "deleted_at", "url", "channel.username", "message_id"} <= used
    assert {"story", "entities.place", "entities.org", "entities.law", "channel_refs"} <= used


def _with_column(objs: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    changed = copy.deepcopy(objs)
    chart = next(o for o in changed if o["id"] == "dozor-lens-language-split")
    chart["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer1"]["columns"]["lang"][
        "sourceField"
    ] = field
    return changed


def test_check_reports_wrong_types_and_missing_fields() -> None:
    objs = static_objects()
    assert check(_with_column(objs, "text"), MAPPINGS) == [
        "dozor-lens-language-split: field 'text' is text, but it must be aggregatable"
    ]
    assert check(_with_column(objs, "langue"), MAPPINGS) == [
        "dozor-lens-language-split: field 'langue' is not in the mappings of 'dozor-posts*'"
    ]


def test_dozor_saved_search_object_is_stable_and_uses_mapped_fields() -> None:
    ids = Ids("dozor")
    filters = SearchFilters(lang=["ru"], category=["official"], since="2026-10-01")
    dsl = build_query("мобилизация OR text:повестка", filters).query
    obj = dozor_saved_search(ids, "mobilization-ru", "мобилизация OR text:повестка", dsl)
    again = dozor_saved_search(ids, "mobilization-ru", "мобилизация OR text:повестка", dsl)
    assert to_ndjson([obj]) == to_ndjson([again])
    assert obj["id"] == "dozor-saved-search-mobilization-ru"
    fields = {u.field for u in field_uses(obj)}
    assert {"text_stem", "text", "lang", "channel.category", "date", "deleted_at"} <= fields
    assert check([*static_objects(), obj], MAPPINGS) == []

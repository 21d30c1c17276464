"""The Kibana saved objects Dozor ships: two data views, the overview dashboard with its charts and
tables, and one Kibana saved search per Dozor saved search.

Every id is derived from the index prefix and a fixed name, so a second import overwrites the first
one's objects instead of adding copies.
"""

from __future__ import annotations

from typing import Any

from surfaces.kibana import lens as ln
from surfaces.kibana.saved_object import as_json_string, saved_object

DATA_VIEW_MIGRATION = "8.0.0"
SEARCH_MIGRATION = "8.0.0"
DASHBOARD_MIGRATION = "8.9.0"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"

# The t.me permalink, computed where the channel has a username (Discover shows it as a link).
URL_SCRIPT = (
    "if (doc['channel.username'].size() > 0 && doc['message_id'].size() > 0) "
    "{ emit('https://t.me/' + doc['channel.username'].value + '/' + doc['message_id'].value); }"
)


class Ids:
    """The ids of the objects, for one index prefix (``dozor`` unless tests isolate themselves)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.posts_view = f"{prefix}-data-view-posts"
        self.alerts_view = f"{prefix}-data-view-alerts"
        self.per_day = f"{prefix}-lens-posts-per-day-by-topic"
        self.languages = f"{prefix}-lens-language-split"
        self.channels = f"{prefix}-lens-top-channels-by-category"
        self.alerts = f"{prefix}-lens-alerts-per-rule"
        self.stories = f"{prefix}-lens-largest-stories"
        self.places = f"{prefix}-lens-places-named"
        self.orgs = f"{prefix}-lens-organisations-named"
        self.laws = f"{prefix}-lens-law-articles-named"
        self.pointed_to = f"{prefix}-lens-channels-pointed-to"
        self.official_latest = f"{prefix}-search-official-latest"
        self.official_changes = f"{prefix}-search-official-changes"
        self.dashboard = f"{prefix}-dashboard-overview"
        self.saved_search_prefix = f"{prefix}-saved-search-"

    def saved_search(self, name: str) -> str:
        return f"{self.saved_search_prefix}{name}"


def posts_data_view(ids: Ids) -> dict[str, Any]:
    title = f"{ids.prefix}-posts*"
    attributes = {
        "title": title,
        "name": title,
        "timeFieldName": "date",
        "runtimeFieldMap": as_json_string({"url": {"type": "keyword", "script": {"source": URL_SCRIPT}}}),
        "fieldFormatMap": as_json_string(
            {"url": {"id": "url", "params": {"type": "a", "urlTemplate": None, "labelTemplate": None}}}
        ),
        "fieldAttrs": "{}",
        "sourceFilters": "[]",
        "allowNoIndex": True,
    }
    return saved_object("index-pattern", ids.posts_view, attributes, [], DATA_VIEW_MIGRATION)


def alerts_data_view(ids: Ids) -> dict[str, Any]:
    title = f"{ids.prefix}-alerts"
    attributes = {
        "title": title,
        "name": title,
        "timeFieldName": "fired_at",
        "fieldAttrs": "{}",
        "sourceFilters": "[]",
        "allowNoIndex": True,
    }
    return saved_object("index-pattern", ids.alerts_view, attributes, [], DATA_VIEW_MIGRATION)


def kibana_search(
    obj_id: str,
    title: str,
    data_view_id: str,
    columns: list[str],
    kuery: str = "",
    filters: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    """A Discover saved search: newest first, with the given columns."""
    source = {
        "query": {"query": kuery, "language": "kuery"},
        "filter": filters or [],
        "indexRefName": INDEX_REF,
    }
    attributes = {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": [["date", "desc"]],
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": as_json_string(source)},
    }
    refs = [{"type": "index-pattern", "id": data_view_id, "name": INDEX_REF}]
    return saved_object("search", obj_id, attributes, refs, SEARCH_MIGRATION)


def charts(ids: Ids) -> list[dict[str, Any]]:
    per_day = ln.lens(
        ids.per_day,
        "Dozor: posts per day by topic",
        ids.posts_view,
        "lnsXY",
        {
            "day": ln.day_histogram_column("date", "Day"),
            "topic": ln.terms_column("topics", "Topic", 10),
            ln.COUNT: ln.count_column(),
        },
        ln.xy_visualization("bar_stacked", "day", "topic"),
    )
    languages = ln.lens(
        ids.languages,
        "Dozor: language split",
        ids.posts_view,
        "lnsPie",
        {"lang": ln.terms_column("lang", "Language", 12), ln.COUNT: ln.count_column()},
        ln.donut_visualization("lang"),
    )
    channels = ln.lens(
        ids.channels,
        "Dozor: top channels by category",
        ids.posts_view,
        "lnsXY",
        {
            "channel": ln.terms_column("channel.title.raw", "Channel", 15),
            "category": ln.terms_column("channel.category", "Category", 4),
            ln.COUNT: ln.count_column(),
        },
        ln.xy_visualization("bar_horizontal_stacked", "channel", "category"),
    )
    alerts = ln.lens(
        ids.alerts,
        "Dozor: alerts per rule",
        ids.alerts_view,
        "lnsXY",
        {"rule": ln.terms_column("rule", "Rule", 20), ln.COUNT: ln.count_column("Alerts")},
        ln.xy_visualization("bar_horizontal_stacked", "rule", None),
    )
    return [per_day, languages, channels, alerts, *story_and_entity_charts(ids)]


def _top(obj_id: str, title: str, ids: Ids, field: str, label: str, size: int) -> dict[str, Any]:
    """A horizontal bar chart of the most frequent values of a keyword field, by posts."""
    return ln.lens(
        obj_id,
        title,
        ids.posts_view,
        "lnsXY",
        {"value": ln.terms_column(field, label, size), ln.COUNT: ln.count_column()},
        ln.xy_visualization("bar_horizontal_stacked", "value", None),
    )


def story_and_entity_charts(ids: Ids) -> list[dict[str, Any]]:
    """Stories (posts per story id: the id is the story's first post), the entities named most often,
    and the channels posts point to (forwards, @mentions, t.me links; `dozor channels suggest` ranks the
    unwatched ones)."""
    return [
        _top(ids.stories, "Dozor: largest stories (posts per story)", ids, "story", "Story (first post)", 15),
        _top(ids.places, "Dozor: places named", ids, "entities.place", "Place", 15),
        _top(ids.orgs, "Dozor: organisations named", ids, "entities.org", "Organisation", 15),
        _top(ids.laws, "Dozor: law articles named", ids, "entities.law", "Law article", 15),
        _top(ids.pointed_to, "Dozor: channels pointed to", ids, "channel_refs", "Channel", 20),
    ]


def official_searches(ids: Ids) -> list[dict[str, Any]]:
    latest = kibana_search(
        ids.official_latest,
        "Dozor: latest posts of official channels",
        ids.posts_view,
        ["channel.title", "text", "topics", "url"],
        kuery='channel.category : "official" and not deleted_at : *',
    )
    changes = kibana_search(
        ids.official_changes,
        "Dozor: edits and deletions of official posts",
        ids.posts_view,
        ["channel.title", "edit_date", "deleted_at", "text", "url"],
        kuery='channel.category : "official" and (edit_date : * or deleted_at : *)',
    )
    return [latest, changes]


# (object id attribute of Ids, panel type, x, y, w, h)
_LAYOUT: list[tuple[str, str, int, int, int, int]] = [
    ("per_day", "lens", 0, 0, 32, 15),
    ("languages", "lens", 32, 0, 16, 15),
    ("channels", "lens", 0, 15, 24, 15),
    ("alerts", "lens", 24, 15, 24, 15),
    ("official_latest", "search", 0, 30, 48, 15),
    ("official_changes", "search", 0, 45, 48, 15),
    ("stories", "lens", 0, 60, 24, 15),
    ("pointed_to", "lens", 24, 60, 24, 15),
    ("places", "lens", 0, 75, 16, 15),
    ("orgs", "lens", 16, 75, 16, 15),
    ("laws", "lens", 32, 75, 16, 15),
]


def dashboard(ids: Ids) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    for n, (attr, kind, x, y, w, h) in enumerate(_LAYOUT, start=1):
        key = f"p{n}"
        panels.append(
            {
                "type": kind,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": key},
                "panelIndex": key,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{key}",
            }
        )
        refs.append({"type": kind, "id": getattr(ids, attr), "name": f"{key}:panel_{key}"})
    attributes = {
        "title": "Dozor overview",
        "description": "Posts per day by topic, languages, channels, official channels' posts and changes, alerts, "
        "stories, the channels posts point to, and the places, organisations and law articles they name.",
        "panelsJSON": as_json_string(panels),
        "optionsJSON": as_json_string({"useMargins": True, "syncColors": False, "hidePanelTitles": False}),
        "timeRestore": True,
        "timeFrom": "now-30d",
        "timeTo": "now",
        "refreshInterval": {"pause": True, "value": 0},
        "version": 1,
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": as_json_string({"query": {"query": "", "language": "kuery"}, "filter": []})
        },
    }
    return saved_object("dashboard", ids.dashboard, attributes, refs, DASHBOARD_MIGRATION)


def static_objects(prefix: str = "dozor") -> list[dict[str, Any]]:
    """Everything but the per-saved-search objects, referenced objects first."""
    ids = Ids(prefix)
    return [posts_data_view(ids), alerts_data_view(ids), *charts(ids), *official_searches(ids), dashboard(ids)]


def dozor_saved_search(ids: Ids, name: str, query: str, dsl: dict[str, Any]) -> dict[str, Any]:
    """A Dozor saved search in Discover. Dozor's query language stems and transliterates, which KQL
    cannot: the query Dozor compiles is attached as a custom filter, labelled with the original query."""
    custom = {
        "meta": {
            "alias": f"Dozor: {query}",
            "type": "custom",
            "key": "query",
            "value": as_json_string(dsl),
            "negate": False,
            "disabled": False,
            "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index",
        },
        "query": dsl,
        "$state": {"store": "appState"},
    }
    obj = kibana_search(
        ids.saved_search(name),
        f"Dozor saved search: {name}",
        ids.posts_view,
        ["channel.title", "text", "topics", "url"],
        filters=[custom],
        description=f"Generated by `dozor kibana setup` from the Dozor saved search {name!r}: {query}",
    )
    obj["references"].append(
        {
            "type": "index-pattern",
            "id": ids.posts_view,
            "name": "kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index",
        }
    )
    return obj

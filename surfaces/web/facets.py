"""Facet counts and the per-day histogram for the search page: one aggregation request with the same
query and filters as the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from search.filters import SearchFilters
from search.service import aggregate

FACET_FIELDS = {
    "topic": "topics",
    "lang": "lang",
    "script": "script",
    "category": "channel.category",
    "country": "channel.country",
    "tag": "tags",  # the desk's tags on posts (search/annotations.py)
}


@dataclass
class Bucket:
    value: str
    count: int
    label: str = ""


@dataclass
class Facets:
    total: int = 0
    groups: dict[str, list[Bucket]] = field(default_factory=dict)
    per_day: list[Bucket] = field(default_factory=list)

    @property
    def day_max(self) -> int:
        return max((b.count for b in self.per_day), default=0)


def facet_aggs(top: int) -> dict[str, Any]:
    aggs: dict[str, Any] = {name: {"terms": {"field": f, "size": top}} for name, f in FACET_FIELDS.items()}
    aggs["channel"] = {
        "terms": {"field": "channel.id", "size": top},
        "aggs": {"about": {"top_hits": {"size": 1, "_source": ["channel.username", "channel.title"]}}},
    }
    aggs["per_day"] = {"date_histogram": {"field": "date", "calendar_interval": "day", "min_doc_count": 0}}
    return aggs


def _channel_bucket(b: dict[str, Any]) -> Bucket:
    hits = b["about"]["hits"]["hits"]
    channel = (hits[0]["_source"].get("channel") if hits else None) or {}
    value = channel.get("username") or str(b["key"])
    return Bucket(value, int(b["doc_count"]), channel.get("title") or value)


def facets(
    es: Elasticsearch,
    settings: DozorSettings,
    query: str,
    filters: SearchFilters,
    extra: list[dict[str, Any]],
    top: int = 15,
) -> Facets:
    resp = aggregate(es, settings, query, filters, facet_aggs(top), extra)
    aggs = resp.get("aggregations") or {}
    out = Facets(total=int(resp["hits"]["total"]["value"]))
    for name in FACET_FIELDS:
        out.groups[name] = [Bucket(str(b["key"]), int(b["doc_count"])) for b in aggs.get(name, {}).get("buckets", [])]
    for b in out.groups["country"]:  # the index keeps codes lower case; people read ISO 3166 (RU)
        b.value = b.value.upper()
    out.groups["channel"] = [_channel_bucket(b) for b in aggs.get("channel", {}).get("buckets", [])]
    days = aggs.get("per_day", {}).get("buckets", [])[-366:]  # a year of bars at most
    out.per_day = [Bucket(b["key_as_string"][:10], int(b["doc_count"])) for b in days]
    return out

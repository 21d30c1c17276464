"""Stories as Elasticsearch aggregations over the posts (terms on ``story``): no state of their own, so
an edit, a deletion or a late post is reflected at once. Deleted posts count: a deleted first post keeps
its place as first seen.

A story's summary: its first post (by the posts' own ``date``), its latest, how many posts, channels and
channel categories, and how long it took to reach each further channel (``reach_s``: seconds from the
first post to the first post in the 2nd, 3rd... channel).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict

from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from search import index as ix
from search.hits import SearchHit, hit_to_json

MAX_STORIES = 1000
MAX_CHANNELS = 200  # channels listed per story (the count is exact below this)


class StoryChannel(TypedDict):
    channel: dict[str, Any]
    first: str | None  # the channel's first post of the story (its date)
    posts: int


class Story(TypedDict):
    story: str
    first: str  # the first post's id
    first_channel: dict[str, Any]
    first_date: str | None
    first_deleted: bool
    latest: str
    latest_date: str | None
    posts: int
    channels: int
    categories: list[str]
    reach_s: list[int]
    channel_list: list[StoryChannel]


def _top(order: str) -> dict[str, Any]:
    return {
        "top_hits": {
            "size": 1,
            "sort": [{"date": {"order": order, "missing": "_last"}}, {"collected_at": order}],
            "_source": ["id", "channel", "date", "deleted_at"],
        }
    }


def _summary_aggs() -> dict[str, Any]:
    return {
        "first": _top("asc"),
        "latest": _top("desc"),
        "categories": {"terms": {"field": "channel.category", "size": 10}},
        "channel_count": {"cardinality": {"field": "channel.id"}},
        "channels": {
            "terms": {"field": "channel.id", "size": MAX_CHANNELS, "order": {"first": "asc"}},
            "aggs": {"first": {"min": {"field": "date"}}, "about": _top("asc")},
        },
    }


def _ms(value: float | None) -> str | None:
    return datetime.fromtimestamp(value / 1000, UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _story(bucket: dict[str, Any]) -> Story:
    first = bucket["first"]["hits"]["hits"][0]["_source"]
    latest = bucket["latest"]["hits"]["hits"][0]["_source"]
    channels: list[StoryChannel] = []
    starts: list[float] = []
    for ch in bucket["channels"]["buckets"]:
        about = ch["about"]["hits"]["hits"][0]["_source"]
        channels.append(
            StoryChannel(channel=about.get("channel") or {}, first=_ms(ch["first"]["value"]), posts=ch["doc_count"])
        )
        if ch["first"]["value"] is not None:
            starts.append(ch["first"]["value"])
    starts.sort()
    return Story(
        story=str(bucket["key"]),
        first=str(first.get("id")),
        first_channel=first.get("channel") or {},
        first_date=first.get("date"),
        first_deleted=first.get("deleted_at") is not None,
        latest=str(latest.get("id")),
        latest_date=latest.get("date"),
        posts=int(bucket["doc_count"]),
        channels=max(int(bucket["channel_count"]["value"]), len(channels)),
        categories=[c["key"] for c in bucket["categories"]["buckets"]],
        reach_s=[int((t - starts[0]) / 1000) for t in starts[1:]],
        channel_list=channels,
    )


def _search(es: Elasticsearch, settings: DozorSettings, **body: Any) -> dict[str, Any]:
    return dict(
        es.search(index=ix.posts_alias(settings), size=0, ignore_unavailable=True, allow_no_indices=True, **body)
    )


def story_ids(
    es: Elasticsearch, settings: DozorSettings, since: datetime | None = None, min_posts: int = 2, limit: int = 50
) -> list[str]:
    """Stories with a post since ``since``, by spread: most channels first, then most posts."""
    window: list[dict[str, Any]] = [{"exists": {"field": "story"}}]
    if since is not None:
        window.append({"range": {"date": {"gte": since.isoformat()}}})
    resp = _search(
        es,
        settings,
        query={"bool": {"filter": window}},
        aggs={
            "stories": {
                "terms": {
                    "field": "story",
                    "size": min(limit * 4, MAX_STORIES),  # the window's count is a floor of the whole story's
                    "min_doc_count": min_posts,
                    "order": [{"spread": "desc"}, {"_count": "desc"}],
                },
                "aggs": {"spread": {"cardinality": {"field": "channel.id"}}},
            }
        },
    )
    return [str(b["key"]) for b in resp.get("aggregations", {}).get("stories", {}).get("buckets", [])]


def summaries(es: Elasticsearch, settings: DozorSettings, ids: list[str]) -> list[Story]:
    """The summaries of these stories over all their posts (deleted ones too), by spread."""
    if not ids:
        return []
    resp = _search(
        es,
        settings,
        query={"terms": {"story": ids}},
        aggs={"stories": {"terms": {"field": "story", "size": len(ids)}, "aggs": _summary_aggs()}},
    )
    found = [_story(b) for b in resp.get("aggregations", {}).get("stories", {}).get("buckets", [])]
    return sorted(found, key=lambda s: (-s["channels"], -s["posts"], s["first_date"] or ""))


def list_stories(
    es: Elasticsearch, settings: DozorSettings, since: datetime | None = None, min_posts: int = 2, limit: int = 50
) -> list[Story]:
    return summaries(es, settings, story_ids(es, settings, since, min_posts, limit))[:limit]


def story_posts(es: Elasticsearch, settings: DozorSettings, story: str, limit: int = 500) -> list[SearchHit]:
    """A story's posts in time order (deleted ones too), for its timeline."""
    resp = es.search(
        index=ix.posts_alias(settings),
        size=limit,
        query={"term": {"story": story}},
        sort=[{"date": {"order": "asc", "missing": "_last"}}, {"collected_at": "asc"}],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [hit_to_json(h) for h in resp["hits"]["hits"]]

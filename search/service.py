"""Search and stats over the posts alias, used by the CLI, the API and saved searches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from dozor.errors import UsageError
from dozor.settings import DozorSettings
from search import index as ix
from search.filters import SearchFilters, build_filters
from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchHit, hit_to_json, mark_stems
from search.query import Compiled, compile_full

MAX_WINDOW = 10_000  # from + size; Elasticsearch's default index.max_result_window
MIN_PREFIX = 3


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    stats: dict[str, Any] | None = None  # with_stats: counts as `stats` gives them, in the same request
    took_ms: int = 0  # Elasticsearch's own time


def build_query(query: str, filters: SearchFilters, extra: list[dict[str, Any]] | None = None) -> Compiled:
    compiled = compile_full(query, filters.query_lang, image_text=True)
    compiled.query = {"bool": {"must": [compiled.query], "filter": build_filters(filters) + (extra or [])}}
    return compiled


def _highlight(compiled: Compiled) -> dict[str, Any] | None:
    stems = sorted(s for s in compiled.stems if s)
    words = sorted(compiled.words)
    wildcards = sorted(compiled.wildcards)
    if not stems and not words and not wildcards:
        return None

    def terms(target: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"prefix": {target: s}} if len(s) >= MIN_PREFIX else {"term": {target: s}} for s in stems
        ]
        out.extend({"match": {target: w}} for w in words)
        out.extend({"wildcard": {target: {"value": w, "case_insensitive": True}}} for w in wildcards)
        return out

    common = {"number_of_fragments": 3, "fragment_size": 160}
    return {
        "pre_tags": [HIGHLIGHT_PRE],
        "post_tags": [HIGHLIGHT_POST],
        "require_field_match": False,
        "fields": {
            # Stems are mostly prefixes of the words as written; what they miss, mark_stems covers.
            "text": {**common, "highlight_query": {"bool": {"should": terms("text")}}},
        },
    }


def search(
    es: Elasticsearch,
    settings: DozorSettings,
    query: str,
    filters: SearchFilters,
    *,
    limit: int = 20,
    offset: int = 0,
    sort: str = "date",
    extra: list[dict[str, Any]] | None = None,
    with_stats: bool = False,
) -> SearchResult:
    if not 1 <= limit <= MAX_WINDOW:
        raise UsageError(f"limit must be between 1 and {MAX_WINDOW}, got {limit}")
    if offset < 0 or offset + limit > MAX_WINDOW:
        raise UsageError(f"offset + limit must be at most {MAX_WINDOW}")
    compiled = build_query(query, filters, extra)
    body: dict[str, Any] = {"query": compiled.query, "track_total_hits": True}
    if sort == "date":
        # Sorted by date, a score would order nothing: the query only filters, and no post is scored (a
        # cold search of 1,000,000 posts with its counts: 7-12 % less, bench/bench_search.py).
        body["query"] = {"bool": {"filter": [compiled.query]}}
        body["sort"] = [{"date": {"order": "desc", "missing": "_last"}}, {"message_id": "desc"}]
    highlight = _highlight(compiled)
    if highlight is not None:
        body["highlight"] = highlight
    if with_stats:
        body["aggs"] = stats_aggs()
    resp = es.search(
        index=ix.posts_alias(settings),
        size=limit,
        from_=offset,
        **body,
        # Elasticsearch caches only hitless requests on its own: asked, it keeps a shard's answer (hits,
        # counts) until that shard refreshes. Posts live in monthly indices and only the current month
        # changes, so a saved search run again (a page reload, the next page, the UI's poll) recomputes
        # only that month's shard. A query with `now` in it is never cached (Elasticsearch's own rule).
        request_cache=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = [hit_to_json(h) for h in resp["hits"]["hits"]]
    if compiled.stems:
        for hit in hits:
            if not hit["highlight"] and hit["text"]:
                hit["highlight"] = mark_stems(hit["text"], hit["lang"], compiled.stems)
            image = _image_highlight(hit, compiled.stems)
            if image:
                hit["image_highlight"] = image
    return SearchResult(
        total=int(resp["hits"]["total"]["value"]),
        hits=hits,
        stats=stats_from_response(resp) if with_stats else None,
        took_ms=int(resp.get("took", 0)),
    )


def _image_highlight(hit: SearchHit, stems: set[str]) -> list[str]:
    """Snippets of the text read in the hit's images, the query's words marked."""
    out: list[str] = []
    for item in hit.get("media") or []:
        text = item.get("ocr_text")
        if text:
            out += mark_stems(str(text), str(item.get("ocr_lang") or hit["lang"]), stems, fragments=2)
    return out[:3]


def stats_aggs(top: int = 20) -> dict[str, Any]:
    return {
        "topics": {"terms": {"field": "topics", "size": top}},
        "lang": {"terms": {"field": "lang", "size": top}},
        "channel": {
            "terms": {"field": "channel.id", "size": top},
            "aggs": {"username": {"terms": {"field": "channel.username", "size": 1}}},
        },
        "per_day": {"date_histogram": {"field": "date", "calendar_interval": "day", "min_doc_count": 1}},
    }


def stats(
    es: Elasticsearch,
    settings: DozorSettings,
    query: str,
    filters: SearchFilters,
    *,
    top: int = 20,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Counts by topic, language, channel, and per day, for the same query and filters as search."""
    return stats_from_response(aggregate(es, settings, query, filters, stats_aggs(top), extra))


def aggregate(
    es: Elasticsearch,
    settings: DozorSettings,
    query: str,
    filters: SearchFilters,
    aggs: dict[str, Any],
    extra: list[dict[str, Any]] | None = None,
) -> Any:
    """Run aggregations (no hits) over the posts a query and filters select; the raw response."""
    return es.search(
        index=ix.posts_alias(settings),
        size=0,
        query=build_query(query, filters, extra).query,
        aggs=aggs,
        track_total_hits=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )


def stats_from_response(resp: Any) -> dict[str, Any]:
    aggs = resp.get("aggregations") or {}

    def buckets(name: str) -> list[dict[str, Any]]:
        return list((aggs.get(name) or {}).get("buckets") or [])

    channels = []
    for b in buckets("channel"):
        names = b["username"]["buckets"]
        channel = {"id": b["key"], "username": names[0]["key"] if names else None}
        channels.append({"channel": channel, "count": b["doc_count"]})
    return {
        "total": int(resp["hits"]["total"]["value"]),
        "topics": {b["key"]: b["doc_count"] for b in buckets("topics")},
        "lang": {b["key"]: b["doc_count"] for b in buckets("lang")},
        "channels": channels,
        "per_day": {b["key_as_string"][:10]: b["doc_count"] for b in buckets("per_day")},
    }


def post_with_versions(
    es: Elasticsearch, settings: DozorSettings, post_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """A post's hit and its stored versions (oldest first), or None when the post is unknown."""
    resp = es.search(
        index=ix.posts_alias(settings),
        query={"ids": {"values": [post_id]}},
        size=1,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = resp["hits"]["hits"]
    if not hits:
        return None
    versions = es.search(
        index=ix.versions_index(settings),
        query={"term": {"post_id": post_id}},
        sort=[{"version_at": {"order": "asc", "missing": "_first"}}, {"recorded_at": "asc"}],
        size=1000,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return hits[0], [h["_source"] for h in versions["hits"]["hits"]]


def get_post(es: Elasticsearch, settings: DozorSettings, post_id: str) -> dict[str, Any] | None:
    """A post (as `search --json` gives it) with its versions, oldest first; or None."""
    found = post_with_versions(es, settings, post_id)
    if found is None:
        return None
    hit, versions = found
    post: dict[str, Any] = dict(hit_to_json(hit))
    post.pop("highlight", None)
    post["versions"] = versions
    return post

"""Channel discovery: channels the watched ones point to (forwards, @mentions, t.me links) that are not
watched yet, ranked, with the posts as evidence; and the whole graph of who points to whom.

Everything is an Elasticsearch aggregation over the posts' ``channel_refs`` / ``channel_ref_via``
(search/channel_refs.py), so it works on the minimal local node and reflects edits and late posts at once.
A candidate is left out when it is one of the watched channels: a registry entry (by @username or id) or
a channel the index holds posts of. Posts pointing to their own channel carry no reference at all.

Ranking: most distinct watched channels pointing to it, then most posts, then the larger share of topical
posts (posts with a topic), then the latest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from typing_extensions import TypedDict  # pydantic (the API's responses) validates a TypedDict from here only

from dozor.settings import DozorSettings
from ingest.registry import Registry
from search import index as ix
from search.channel_refs import VIA, forward_key, id_key, name_key

MAX_WATCHED = 10_000
EVIDENCE = 5
MAX_FROM = 50  # watched channels listed per candidate (the count is exact below this)


class ChannelRef(TypedDict):
    id: int | None
    username: str | None
    title: str | None


class FromChannel(ChannelRef):
    posts: int


class Evidence(TypedDict):
    id: str
    channel: ChannelRef
    date: str | None
    via: list[str]
    topics: list[str]


class Suggestion(TypedDict):
    channel: str  # the key: "@username" (lowercase) or "id:<channel id>"
    username: str | None
    channel_id: int | None
    title: str | None
    watched_channels: int
    sources: int  # the same count under the name shared/DESIGN.md gives it
    score: float  # watched channels + posts / (posts + 1): the list's order (ties: topical share, recency)
    posts: int
    topical_posts: int
    topical_share: float
    first_seen: str | None
    last_seen: str | None
    via: dict[str, int]
    from_channels: list[FromChannel]
    evidence: list[Evidence]


def _search(es: Elasticsearch, settings: DozorSettings, **body: Any) -> dict[str, Any]:
    return dict(
        es.search(index=ix.posts_alias(settings), size=0, ignore_unavailable=True, allow_no_indices=True, **body)
    )


def registry_keys(registry: Registry | None) -> set[str]:
    keys: set[str] = set()
    for entry in registry.channels if registry is not None else []:
        if entry.username and (key := name_key(entry.username)) is not None:
            keys.add(key)
        if entry.channel_id is not None:
            keys.add(id_key(entry.channel_id))
    return keys


def watched_keys(es: Elasticsearch, settings: DozorSettings) -> set[str]:
    """The keys of every channel the index holds posts of (by id and by username)."""
    resp = _search(
        es,
        settings,
        aggs={
            "ids": {"terms": {"field": "channel.id", "size": MAX_WATCHED}},
            "names": {"terms": {"field": "channel.username", "size": MAX_WATCHED}},
        },
    )
    aggs = resp.get("aggregations") or {}
    keys = {id_key(int(b["key"])) for b in aggs.get("ids", {}).get("buckets", [])}
    keys |= {k for b in aggs.get("names", {}).get("buckets", []) if (k := name_key(str(b["key"]))) is not None}
    return keys


def excluded(es: Elasticsearch, settings: DozorSettings, registry: Registry | None) -> set[str]:
    return registry_keys(registry) | watched_keys(es, settings)


def _window(since: datetime | None) -> dict[str, Any]:
    window: list[dict[str, Any]] = [{"exists": {"field": "channel_refs"}}]
    if since is not None:
        window.append({"range": {"date": {"gte": since.isoformat()}}})
    return {"bool": {"filter": window}}


def _ms(value: float | None) -> str | None:
    return datetime.fromtimestamp(value / 1000, UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _channel(source: dict[str, Any] | None) -> ChannelRef:
    ch = source or {}
    return ChannelRef(id=ch.get("id"), username=ch.get("username"), title=ch.get("title"))


def _candidate_aggs() -> dict[str, Any]:
    return {
        "watched": {"cardinality": {"field": "channel.id"}},
        "first": {"min": {"field": "date"}},
        "last": {"max": {"field": "date"}},
        "topical": {"filter": {"exists": {"field": "topics"}}},
        "from": {
            "terms": {"field": "channel.id", "size": MAX_FROM},
            "aggs": {"about": {"top_hits": {"size": 1, "sort": [{"date": "desc"}], "_source": ["channel"]}}},
        },
        "evidence": {
            "top_hits": {
                "size": EVIDENCE,
                "sort": [{"date": {"order": "desc", "missing": "_last"}}],
                "_source": ["id", "channel", "date", "topics", "channel_ref_via"],
            }
        },
        # Forwarded posts name the origin (title, id) when the candidate is known by username, or the reverse.
        "forwards": {
            "filter": {"exists": {"field": "forward"}},
            "aggs": {"hits": {"top_hits": {"size": 10, "_source": ["forward"]}}},
        },
    }


def _suggestion(bucket: dict[str, Any]) -> Suggestion:
    key = str(bucket["key"])
    username = key[1:] if key.startswith("@") else None
    channel_id = int(key[3:]) if key.startswith("id:") else None
    title: str | None = None
    for hit in bucket["forwards"]["hits"]["hits"]["hits"]:
        fwd = hit["_source"].get("forward") or {}
        if forward_key(fwd) != key:
            continue
        title = title or fwd.get("from_name")
        if channel_id is None and isinstance(fwd.get("from_id"), int):
            channel_id = fwd["from_id"]
    evidence: list[Evidence] = []
    for hit in bucket["evidence"]["hits"]["hits"]:
        src = hit["_source"]
        via = [v.split(":", 1)[0] for v in src.get("channel_ref_via") or [] if v.split(":", 1)[1] == key]
        evidence.append(
            Evidence(
                id=str(src.get("id") or hit["_id"]),
                channel=_channel(src.get("channel")),
                date=src.get("date"),
                via=via,
                topics=list(src.get("topics") or []),
            )
        )
    from_channels = [
        FromChannel(**_channel(b["about"]["hits"]["hits"][0]["_source"].get("channel")), posts=int(b["doc_count"]))
        for b in bucket["from"]["buckets"]
    ]
    posts = int(bucket["doc_count"])
    topical = int(bucket["topical"]["doc_count"])
    watched = max(int(bucket["watched"]["value"]), len(from_channels))
    return Suggestion(
        channel=key,
        username=username,
        channel_id=channel_id,
        title=title,
        watched_channels=watched,
        sources=watched,
        score=round(watched + posts / (posts + 1), 4),
        posts=posts,
        topical_posts=topical,
        topical_share=round(topical / posts, 3) if posts else 0.0,
        first_seen=_ms(bucket["first"]["value"]),
        last_seen=_ms(bucket["last"]["value"]),
        via={v: 0 for v in VIA},
        from_channels=from_channels,
        evidence=evidence,
    )


def _rank(s: Suggestion) -> tuple[Any, ...]:
    return (-s["watched_channels"], -s["posts"], -s["topical_share"], _neg_time(s["last_seen"]), s["channel"])


def _neg_time(value: str | None) -> float:
    return -datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else 0.0


def suggest(
    es: Elasticsearch,
    settings: DozorSettings,
    registry: Registry | None,
    *,
    since: datetime | None = None,
    limit: int = 50,
    min_posts: int = 1,
) -> list[Suggestion]:
    """Channels not watched yet that watched channels point to, best first (see the module's ranking)."""
    skip = sorted(excluded(es, settings, registry))
    resp = _search(
        es,
        settings,
        query=_window(since),
        aggs={
            "candidates": {
                "terms": {
                    "field": "channel_refs",
                    "size": min(max(limit * 4, 100), MAX_WATCHED),
                    "min_doc_count": min_posts,
                    "exclude": skip,
                    "order": [{"watched": "desc"}, {"_count": "desc"}],
                },
                "aggs": _candidate_aggs(),
            }
        },
    )
    found = [_suggestion(b) for b in (resp.get("aggregations") or {}).get("candidates", {}).get("buckets", [])]
    found = sorted(found, key=_rank)[:limit]
    _count_via(es, settings, since, found)
    return found


def _count_via(es: Elasticsearch, settings: DozorSettings, since: datetime | None, found: list[Suggestion]) -> None:
    """How many posts point to each candidate by forward, mention and link (one aggregation for all)."""
    if not found:
        return
    wanted = [f"{v}:{s['channel']}" for s in found for v in VIA]
    resp = _search(
        es,
        settings,
        query=_window(since),
        aggs={"via": {"terms": {"field": "channel_ref_via", "include": wanted, "size": len(wanted)}}},
    )
    by_key = {s["channel"]: s for s in found}
    for b in (resp.get("aggregations") or {}).get("via", {}).get("buckets", []):
        kind, key = str(b["key"]).split(":", 1)
        if key in by_key:
            by_key[key]["via"][kind] = int(b["doc_count"])


# ---- the graph: every watched channel -> every channel it points to ----------------------------------


@dataclass
class Edge:
    source: str  # the watched channel's key
    target: str
    posts: int
    first_seen: str | None
    last_seen: str | None
    via: dict[str, int]


@dataclass
class Node:
    key: str
    label: str
    watched: bool
    in_registry: bool


def _composite(
    es: Elasticsearch, settings: DozorSettings, query: dict[str, Any], sources: list[dict[str, Any]], aggs: Any = None
) -> Iterator[dict[str, Any]]:
    after: dict[str, Any] | None = None
    while True:
        comp: dict[str, Any] = {"size": 1000, "sources": sources}
        if after is not None:
            comp["after"] = after
        body: dict[str, Any] = {"composite": comp}
        if aggs:
            body["aggs"] = aggs
        resp = _search(es, settings, query=query, aggs={"pairs": body})
        pairs = (resp.get("aggregations") or {}).get("pairs")
        if not pairs or not pairs["buckets"]:
            return
        yield from pairs["buckets"]
        after = pairs.get("after_key")
        if after is None:
            return


def _watched_channels(es: Elasticsearch, settings: DozorSettings) -> dict[int, dict[str, Any]]:
    resp = _search(
        es,
        settings,
        aggs={
            "ids": {
                "terms": {"field": "channel.id", "size": MAX_WATCHED},
                "aggs": {"about": {"top_hits": {"size": 1, "sort": [{"date": "desc"}], "_source": ["channel"]}}},
            }
        },
    )
    out: dict[int, dict[str, Any]] = {}
    for b in (resp.get("aggregations") or {}).get("ids", {}).get("buckets", []):
        hits = b["about"]["hits"]["hits"]
        out[int(b["key"])] = (hits[0]["_source"].get("channel") if hits else None) or {"id": int(b["key"])}
    return out


def _forward_titles(es: Elasticsearch, settings: DozorSettings, since: datetime | None) -> dict[str, str]:
    """Titles of forward origins, by their keys (an origin known only by id is labelled by its title)."""
    titles: dict[str, str] = {}
    for b in _composite(
        es,
        settings,
        {"bool": {"filter": [_window(since), {"exists": {"field": "forward.from_name"}}]}},
        [
            {"id": {"terms": {"field": "forward.from_id", "missing_bucket": True}}},
            {"user": {"terms": {"field": "forward.from_username", "missing_bucket": True}}},
            {"type": {"terms": {"field": "forward.from_type", "missing_bucket": True}}},
            {"name": {"terms": {"field": "forward.from_name"}}},
        ],
    ):
        k = b["key"]
        key = forward_key({"from_id": k["id"], "from_username": k["user"], "from_type": k["type"]})
        if key is not None:
            titles.setdefault(key, str(k["name"]))
    return titles


def graph(
    es: Elasticsearch, settings: DozorSettings, registry: Registry | None, since: datetime | None = None
) -> tuple[list[Node], list[Edge]]:
    """Nodes (watched channels and everything they point to) and directed edges weighted by posts."""
    query = _window(since)
    watched = _watched_channels(es, settings)
    edges: dict[tuple[str, str], Edge] = {}
    for b in _composite(
        es,
        settings,
        query,
        [{"src": {"terms": {"field": "channel.id"}}}, {"dst": {"terms": {"field": "channel_refs"}}}],
        {"first": {"min": {"field": "date"}}, "last": {"max": {"field": "date"}}},
    ):
        src, dst = id_key(int(b["key"]["src"])), str(b["key"]["dst"])
        edges[(src, dst)] = Edge(
            src, dst, int(b["doc_count"]), _ms(b["first"]["value"]), _ms(b["last"]["value"]), {v: 0 for v in VIA}
        )
    for b in _composite(
        es,
        settings,
        query,
        [{"src": {"terms": {"field": "channel.id"}}}, {"via": {"terms": {"field": "channel_ref_via"}}}],
    ):
        kind, dst = str(b["key"]["via"]).split(":", 1)
        edge = edges.get((id_key(int(b["key"]["src"])), dst))
        if edge is not None:
            edge.via[kind] = int(b["doc_count"])
    # A watched channel is one node whether it is pointed to by id or by @username.
    alias: dict[str, str] = {}
    for cid, ch in watched.items():
        if ch.get("username") and (key := name_key(str(ch["username"]))) is not None:
            alias[key] = id_key(cid)
    merged: dict[tuple[str, str], Edge] = {}
    for edge in edges.values():
        edge.target = alias.get(edge.target, edge.target)
        if edge.target == edge.source:
            continue
        have = merged.get((edge.source, edge.target))
        if have is None:
            merged[(edge.source, edge.target)] = edge
            continue
        have.posts += edge.posts
        have.first_seen = min(filter(None, (have.first_seen, edge.first_seen)), default=None)
        have.last_seen = max(filter(None, (have.last_seen, edge.last_seen)), default=None)
        for kind in VIA:
            have.via[kind] += edge.via[kind]
    in_registry = registry_keys(registry)
    titles = _forward_titles(es, settings, since)
    nodes: dict[str, Node] = {}
    for cid, ch in watched.items():
        key = id_key(cid)
        label = ch.get("title") or (f"@{ch['username']}" if ch.get("username") else key)
        user_key = name_key(str(ch["username"])) if ch.get("username") else None
        nodes[key] = Node(key, str(label), True, key in in_registry or user_key in in_registry)
    for edge in merged.values():
        for key in (edge.source, edge.target):
            if key not in nodes:
                nodes[key] = Node(key, titles.get(key) or key, False, key in in_registry)
    order = sorted(merged.values(), key=lambda e: (-e.posts, e.source, e.target))
    return sorted(nodes.values(), key=lambda n: (not n.watched, n.key)), order

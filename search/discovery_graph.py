"""The discovery graph: every watched channel -> every channel it points to (forwards, @mentions, t.me
links), for the edge-list export (search/discovery_export.py). A channel the corpus knows by id and by
@name (search/channel_aliases.py) is one node, and an edge to it counts each post once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from ingest.registry import Registry
from search import channel_aliases as ca
from search.channel_refs import VIA, forward_key, id_key, name_key
from search.discovery import MAX_WATCHED, ms, registry_keys, search, window


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
        resp = search(es, settings, query=query, aggs={"pairs": body})
        pairs = (resp.get("aggregations") or {}).get("pairs")
        if not pairs or not pairs["buckets"]:
            return
        yield from pairs["buckets"]
        after = pairs.get("after_key")
        if after is None:
            return


def _watched_channels(es: Elasticsearch, settings: DozorSettings) -> dict[int, dict[str, Any]]:
    resp = search(
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
        {"bool": {"filter": [window(since), {"exists": {"field": "forward.from_name"}}]}},
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


def _raw_edges(es: Elasticsearch, settings: DozorSettings, query: dict[str, Any]) -> dict[tuple[str, str], Edge]:
    """Edges by the keys the posts carry (one channel may still be two targets here)."""
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
            src, dst, int(b["doc_count"]), ms(b["first"]["value"]), ms(b["last"]["value"]), {v: 0 for v in VIA}
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
    return edges


def _recount(
    es: Elasticsearch, settings: DozorSettings, query: dict[str, Any], edge: Edge, keys: frozenset[str]
) -> None:
    """An edge to a channel the posts name by two spellings, counted over its posts once."""
    scoped = {
        "bool": {
            "filter": [query, {"term": {"channel.id": int(edge.source[3:])}}, {"terms": {"channel_refs": sorted(keys)}}]
        }
    }
    via = {kind: {"filter": {"terms": {"channel_ref_via": [f"{kind}:{k}" for k in sorted(keys)]}}} for kind in VIA}
    resp = search(
        es,
        settings,
        query=scoped,
        track_total_hits=True,
        aggs={"first": {"min": {"field": "date"}}, "last": {"max": {"field": "date"}}, **via},
    )
    aggs = resp.get("aggregations") or {}
    edge.posts = int(resp["hits"]["total"]["value"])
    edge.first_seen, edge.last_seen = ms(aggs["first"]["value"]), ms(aggs["last"]["value"])
    edge.via = {kind: int(aggs[kind]["doc_count"]) for kind in VIA}


def graph(
    es: Elasticsearch, settings: DozorSettings, registry: Registry | None, since: datetime | None = None
) -> tuple[list[Node], list[Edge]]:
    """Nodes (watched channels and everything they point to) and directed edges weighted by posts."""
    query = window(since)
    watched = _watched_channels(es, settings)
    aliases = ca.load(es, settings)
    # A channel is one node, whichever spelling points to it: a watched channel under its id, another
    # under its current @name (else its id).
    node_of: dict[str, str] = {}
    for cid, ch in watched.items():
        for key in aliases.group(id_key(cid)):
            node_of[key] = id_key(cid)
        if ch.get("username") and (own := name_key(str(ch["username"]))) is not None:
            node_of[own] = id_key(cid)
    merged: dict[tuple[str, str], Edge] = {}
    spelled: dict[tuple[str, str], set[str]] = {}
    for edge in _raw_edges(es, settings, query).values():
        raw = edge.target
        edge.target = node_of.get(raw) or aliases.display(aliases.group(raw))
        if edge.target == edge.source:
            continue
        pair = (edge.source, edge.target)
        spelled.setdefault(pair, set()).add(raw)
        merged.setdefault(pair, edge)
    for pair, keys in spelled.items():
        if len(keys) > 1:  # posts pointed here by two spellings: count each post once
            _recount(es, settings, query, merged[pair], frozenset(keys))
    in_registry = aliases.expand(registry_keys(registry))
    titles = _forward_titles(es, settings, since)
    nodes: dict[str, Node] = {}
    for cid, ch in watched.items():
        key = id_key(cid)
        label = ch.get("title") or (f"@{ch['username']}" if ch.get("username") else key)
        own = name_key(str(ch["username"])) if ch.get("username") else None
        nodes[key] = Node(key, str(label), True, bool(aliases.group(key) & in_registry) or own in in_registry)
    for edge in merged.values():
        for key in (edge.source, edge.target):
            if key not in nodes:
                group = aliases.group(key)
                title = next((titles[k] for k in sorted(group) if k in titles), None)
                nodes[key] = Node(key, title or key, False, bool(group & in_registry))
    order = sorted(merged.values(), key=lambda e: (-e.posts, e.source, e.target))
    return sorted(nodes.values(), key=lambda n: (not n.watched, n.key)), order

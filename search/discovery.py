"""Channel discovery: channels the watched ones point to (forwards, @mentions, t.me links) that are not
watched yet, ranked, with the posts as evidence. The graph of who points to whom: search/discovery_graph.py.

Everything is an Elasticsearch aggregation over the posts' ``channel_refs`` / ``channel_ref_via``
(search/channel_refs.py), so it works on the minimal local node and reflects edits and late posts at once.
A channel the corpus knows by id and by @name (search/channel_aliases.py) is one candidate: its posts,
watched channels, first and last seen are counted once over both spellings.
A candidate is left out when it is one of the watched channels: a registry entry (by @username or id) or
a channel the index holds posts of, by any of its spellings. Posts pointing to their own channel carry no
reference at all. Likely bots (@names ending in "bot" with no channel behind them) are left out unless
asked for.

Ranking: most distinct watched channels pointing to it, then most posts, then the larger share of topical
posts (posts with a topic), then the latest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from typing_extensions import TypedDict  # pydantic (the API's responses) validates a TypedDict from here only

from dozor.settings import DozorSettings
from ingest.registry import Registry
from search import channel_aliases as ca
from search import index as ix
from search.channel_refs import VIA, forward_key, id_key, name_key

MAX_WATCHED = 10_000
EVIDENCE = 5
MAX_FROM = 50  # watched channels listed per candidate (the count is exact below this)
GROUPS_PER_QUERY = 100  # merged channels aggregated per request


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
    channel: str  # the key: "@username" (lowercase; the latest one) or "id:<channel id>"
    username: str | None
    channel_id: int | None
    title: str | None
    aliases: list[str]  # the channel's other keys in the corpus (its id, former @names)
    likely_bot: bool
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


def search(es: Elasticsearch, settings: DozorSettings, **body: Any) -> dict[str, Any]:
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
    resp = search(
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


def excluded(
    es: Elasticsearch, settings: DozorSettings, registry: Registry | None, aliases: ca.Aliases | None = None
) -> set[str]:
    """Registry and watched channels, by every spelling the corpus ties to them."""
    keys = registry_keys(registry) | watched_keys(es, settings)
    return aliases.expand(keys) if aliases is not None else keys


def window(since: datetime | None) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [{"exists": {"field": "channel_refs"}}]
    if since is not None:
        filters.append({"range": {"date": {"gte": since.isoformat()}}})
    return {"bool": {"filter": filters}}


def ms(value: float | None) -> str | None:
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


def _via_kinds(tagged: Iterable[str], group: frozenset[str]) -> list[str]:
    kinds = [v.split(":", 1)[0] for v in tagged if v.split(":", 1)[1] in group]
    return list(dict.fromkeys(kinds))


def _suggestion(bucket: dict[str, Any], group: frozenset[str], aliases: ca.Aliases) -> Suggestion:
    key = aliases.display(group)
    username = key[1:] if key.startswith("@") else None
    channel_id = ca.channel_id_of(group)
    title: str | None = None
    for hit in bucket["forwards"]["hits"]["hits"]["hits"]:
        fwd = hit["_source"].get("forward") or {}
        if forward_key(fwd) not in group:
            continue
        title = title or fwd.get("from_name")
        if channel_id is None and isinstance(fwd.get("from_id"), int):
            channel_id = fwd["from_id"]
    evidence: list[Evidence] = []
    for hit in bucket["evidence"]["hits"]["hits"]:
        src = hit["_source"]
        evidence.append(
            Evidence(
                id=str(src.get("id") or hit["_id"]),
                channel=_channel(src.get("channel")),
                date=src.get("date"),
                via=_via_kinds(src.get("channel_ref_via") or [], group),
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
        aliases=sorted(group - {key}),
        likely_bot=ca.likely_bot(group),
        watched_channels=watched,
        sources=watched,
        score=round(watched + posts / (posts + 1), 4),
        posts=posts,
        topical_posts=topical,
        topical_share=round(topical / posts, 3) if posts else 0.0,
        first_seen=ms(bucket["first"]["value"]),
        last_seen=ms(bucket["last"]["value"]),
        via={v: 0 for v in VIA},
        from_channels=from_channels,
        evidence=evidence,
    )


def _rank(s: Suggestion) -> tuple[Any, ...]:
    return (-s["watched_channels"], -s["posts"], -s["topical_share"], _neg_time(s["last_seen"]), s["channel"])


def _neg_time(value: str | None) -> float:
    return -datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else 0.0


def referenced_groups(
    es: Elasticsearch, settings: DozorSettings, query: dict[str, Any], aliases: ca.Aliases, skip: set[str]
) -> list[frozenset[str]]:
    """The channels pointed to (in ``query``'s posts) by two or more of their spellings."""
    known = sorted({k for k in aliases.groups if k not in skip})
    if not known:
        return []
    refs = {"terms": {"field": "channel_refs", "include": known, "size": len(known)}}
    resp = search(es, settings, query=query, aggs={"refs": refs})
    seen: dict[frozenset[str], int] = {}
    for b in (resp.get("aggregations") or {}).get("refs", {}).get("buckets", []):
        group = aliases.group(str(b["key"]))
        seen[group] = seen.get(group, 0) + 1
    return sorted((g for g, n in seen.items() if n > 1), key=sorted)


def _group_buckets(
    es: Elasticsearch, settings: DozorSettings, query: dict[str, Any], groups: list[frozenset[str]]
) -> Iterable[tuple[dict[str, Any], frozenset[str]]]:
    """One bucket per channel over all its spellings: a post pointing to two of them counts once."""
    for start in range(0, len(groups), GROUPS_PER_QUERY):
        chunk = groups[start : start + GROUPS_PER_QUERY]
        filters = {str(i): {"terms": {"channel_refs": sorted(g)}} for i, g in enumerate(chunk)}
        resp = search(
            es, settings, query=query, aggs={"channels": {"filters": {"filters": filters}, "aggs": _candidate_aggs()}}
        )
        buckets = (resp.get("aggregations") or {}).get("channels", {}).get("buckets", {})
        for i, group in enumerate(chunk):
            if (bucket := buckets.get(str(i))) is not None and bucket["doc_count"]:
                yield bucket, group


def suggest(
    es: Elasticsearch,
    settings: DozorSettings,
    registry: Registry | None,
    *,
    since: datetime | None = None,
    limit: int = 50,
    min_posts: int = 1,
    bots: bool = False,
) -> list[Suggestion]:
    """Channels not watched yet that watched channels point to, best first (see the module's ranking);
    ``bots``: also the likely bots, ranked like the rest."""
    aliases = ca.load(es, settings)
    skip = excluded(es, settings, registry, aliases)
    query = window(since)
    merged = referenced_groups(es, settings, query, aliases, skip)
    resp = search(
        es,
        settings,
        query=query,
        aggs={
            "candidates": {
                "terms": {
                    "field": "channel_refs",
                    "size": min(max(limit * 4, 100), MAX_WATCHED),
                    "min_doc_count": min_posts,
                    "exclude": sorted(skip.union(*merged)),
                    "order": [{"watched": "desc"}, {"_count": "desc"}],
                },
                "aggs": _candidate_aggs(),
            }
        },
    )
    buckets = (resp.get("aggregations") or {}).get("candidates", {}).get("buckets", [])
    found = [_suggestion(b, aliases.group(str(b["key"])), aliases) for b in buckets]
    found += [_suggestion(b, g, aliases) for b, g in _group_buckets(es, settings, query, merged)]
    found = [s for s in found if s["posts"] >= min_posts and (bots or not s["likely_bot"])]
    found = sorted(found, key=_rank)[:limit]
    _count_via(es, settings, query, found)
    return found


def spellings(s: Suggestion) -> list[str]:
    """Every key a suggestion is known by."""
    return [s["channel"], *s["aliases"]]


def _count_via(es: Elasticsearch, settings: DozorSettings, query: dict[str, Any], found: list[Suggestion]) -> None:
    """How many posts point to each candidate by forward, mention and link, over all its spellings."""
    for start in range(0, len(found), GROUPS_PER_QUERY):
        chunk = found[start : start + GROUPS_PER_QUERY]
        filters = {
            f"{i}/{kind}": {"terms": {"channel_ref_via": [f"{kind}:{k}" for k in spellings(s)]}}
            for i, s in enumerate(chunk)
            for kind in VIA
        }
        resp = search(es, settings, query=query, aggs={"via": {"filters": {"filters": filters}}})
        for name, b in (resp.get("aggregations") or {}).get("via", {}).get("buckets", {}).items():
            i, kind = name.split("/")
            chunk[int(i)]["via"][kind] = int(b["doc_count"])

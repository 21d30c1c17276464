"""Coverage health per channel: last post, posts per day, and holes in the message ids.

Telegram numbers a channel's messages one after another, so ids missing between the lowest and the
highest stored one are messages Dozor never saw (or service messages, which are not posts). Deleted
posts count as seen. The gap ranges listed are those among the most recent ids of each channel.

"Posts" counts what search finds for the channel: deleted posts are left out there as in search (which
shows them only when asked), and given beside it; ids, coverage and gaps use every stored post.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from dozor.errors import ConfigError
from dozor.settings import DozorSettings
from ingest import registry as reg
from search import index as ix

RECENT_IDS = 2000
MAX_CHANNELS = 1000


@dataclass
class ChannelHealth:
    label: str
    title: str = ""
    username: str | None = None
    channel_id: int | None = None
    category: str = ""
    country: str = ""
    in_registry: bool = False
    posts: int = 0  # not deleted: what a search for the channel finds
    deleted: int = 0
    last_post: str | None = None
    per_day: float = 0.0
    missing: int = 0
    coverage: float | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)


def gap_ranges(ids: list[int], limit: int = 5) -> list[tuple[int, int]]:
    """The largest runs of missing ids between consecutive known ids (first, last), biggest first."""
    ordered = sorted(set(ids))
    holes = [(a + 1, b - 1) for a, b in itertools.pairwise(ordered) if b - a > 1]
    holes.sort(key=lambda r: (r[0] - r[1], -r[0]))
    return holes[:limit]


def _aggs() -> dict[str, Any]:
    return {
        "channels": {
            "terms": {"field": "channel.id", "size": MAX_CHANNELS},
            "aggs": {
                "about": {"top_hits": {"size": 1, "sort": [{"date": "desc"}], "_source": ["channel"]}},
                "deleted": {"filter": {"exists": {"field": "deleted_at"}}},
                "first": {"min": {"field": "date"}},
                "last": {"max": {"field": "date"}},
                "min_id": {"min": {"field": "message_id"}},
                "max_id": {"max": {"field": "message_id"}},
                "ids": {"cardinality": {"field": "message_id", "precision_threshold": 40000}},
                "recent": {"terms": {"field": "message_id", "size": RECENT_IDS, "order": {"_key": "desc"}}},
            },
        }
    }


def _from_bucket(b: dict[str, Any]) -> ChannelHealth:
    hits = b["about"]["hits"]["hits"]
    channel: dict[str, Any] = (hits[0]["_source"].get("channel") if hits else None) or {}
    h = ChannelHealth(
        label=f"@{channel['username']}" if channel.get("username") else str(b["key"]),
        title=channel.get("title") or "",
        username=channel.get("username"),
        channel_id=int(b["key"]),
        category=channel.get("category") or "",
        country=channel.get("country") or "",
        posts=int(b["doc_count"]) - int(b["deleted"]["doc_count"]),
        deleted=int(b["deleted"]["doc_count"]),
        last_post=b["last"].get("value_as_string"),
    )
    first, last = b["first"].get("value"), b["last"].get("value")
    if first is not None and last is not None:
        days = max((last - first) / 86_400_000, 1.0)
        h.per_day = round(h.posts / days, 2)
    lo, hi = b["min_id"].get("value"), b["max_id"].get("value")
    if lo is not None and hi is not None:
        span = int(hi) - int(lo) + 1
        seen = min(int(b["ids"]["value"]), span)
        h.missing = span - seen
        h.coverage = round(100.0 * seen / span, 1)
    h.gaps = gap_ranges([int(x["key"]) for x in b["recent"]["buckets"]])
    return h


def _registry(path: Path) -> reg.Registry | None:
    try:
        return reg.load(path)
    except ConfigError:
        return None


def channel_health(es: Elasticsearch, settings: DozorSettings, registry_path: Path) -> tuple[list[ChannelHealth], bool]:
    """Every registry channel (and every channel seen in the index), and whether the registry was read."""
    resp = es.search(
        index=ix.posts_alias(settings), size=0, aggs=_aggs(), ignore_unavailable=True, allow_no_indices=True
    )
    seen = [_from_bucket(b) for b in (resp.get("aggregations") or {}).get("channels", {}).get("buckets", [])]
    registry = _registry(registry_path)
    rows: list[ChannelHealth] = []
    if registry is not None:
        for entry in registry.channels:
            match = next(
                (
                    h
                    for h in seen
                    if (entry.channel_id is not None and h.channel_id == entry.channel_id)
                    or (entry.username and (h.username or "").lower() == entry.username.lower())
                ),
                None,
            )
            if match is None:
                match = ChannelHealth(
                    label=entry.label,
                    title=entry.title or "",
                    username=entry.username,
                    channel_id=entry.channel_id,
                    category=entry.category,
                    country=entry.country or "",
                )
            else:
                seen.remove(match)
            match.in_registry = True
            rows.append(match)
    rows.extend(seen)
    rows.sort(key=lambda h: (not h.in_registry, -(_ts(h.last_post)), h.label))
    return rows, registry is not None


def _ts(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()

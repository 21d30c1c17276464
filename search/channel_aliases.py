"""Which channel keys (search/channel_refs.py) are one channel: ``id:<n>`` and ``@name`` spellings that
the corpus itself ties together, so channel discovery counts such a channel once.

What ties an id to a username, and only this:
- a forward whose header carries both (the collector records the origin's username with its id when
  Telegram sends the origin's entity along): ``forward.from_id`` + ``forward.from_username``;
- a watched channel's own posts (``channel.id`` + ``channel.username``).

What does not, and why: a title (titles are neither unique nor stable, and a namesake or an impersonator
would be merged with the real channel); the same post number in a ``t.me/c/<id>/<n>`` and a
``t.me/<name>/<n>`` link (message numbers are per channel, so small ones match by chance); a registry
entry (it names a channel by one of the two only).

A channel renamed over time ties one id to several names: all are one channel. A name tied to two ids
(a username freed and taken by another channel) is ambiguous: that name is left on its own, and the ids
keep only their other, unambiguous names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from search import index as ix
from search.channel_refs import id_key, name_key

BOT_SUFFIX = "bot"  # Telegram requires it of every bot's username (channels may end so too: see likely_bot)


@dataclass(frozen=True)
class Pair:
    channel_id: int
    name: str  # the @name key
    last: str  # the latest date the corpus shows the pair (ISO), to pick the current name


@dataclass
class Aliases:
    """Groups of keys that name one channel; a key in no group is a channel of its own."""

    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # key -> every key of its channel
    current: dict[frozenset[str], str] = field(default_factory=dict)  # group -> its latest @name

    @classmethod
    def from_pairs(cls, pairs: Iterable[Pair]) -> Aliases:
        ids_of: dict[str, set[int]] = defaultdict(set)
        seen: list[Pair] = []
        for p in pairs:
            ids_of[p.name].add(p.channel_id)
            seen.append(p)
        names_of: dict[int, dict[str, str]] = defaultdict(dict)  # id -> name -> last date
        for p in seen:
            if len(ids_of[p.name]) == 1:  # an ambiguous name ties nothing
                names_of[p.channel_id][p.name] = max(p.last, names_of[p.channel_id].get(p.name, ""))
        out = cls()
        for channel_id, names in names_of.items():
            group = frozenset({id_key(channel_id), *names})
            out.current[group] = max(names, key=lambda n: (names[n], n))
            for key in group:
                out.groups[key] = group
        return out

    def group(self, key: str) -> frozenset[str]:
        return self.groups.get(key, frozenset({key}))

    def expand(self, keys: Iterable[str]) -> set[str]:
        """The keys and every other spelling of their channels."""
        return {k for key in keys for k in self.group(key)}

    def display(self, group: frozenset[str]) -> str:
        """The key a channel is listed under: its current @name when it has one, else its id."""
        if group in self.current:
            return self.current[group]
        names = sorted(k for k in group if k.startswith("@"))
        return names[0] if names else min(group)


def channel_id_of(group: Iterable[str]) -> int | None:
    return next((int(k[3:]) for k in sorted(group) if k.startswith("id:")), None)


def likely_bot(group: Iterable[str]) -> bool:
    """Known only by @names ending in "bot": Telegram gives that ending to every bot, and nothing in the
    corpus shows a channel behind it (a channel forwarded from, a ``t.me/c`` link or a watched channel
    would tie an id to it). A channel named so but only ever mentioned is taken for a bot too."""
    keys = list(group)
    return bool(keys) and all(k.startswith("@") and k.endswith(BOT_SUFFIX) for k in keys)


def _pairs_query(
    es: Elasticsearch, settings: DozorSettings, id_field: str, name_field: str, type_field: str | None
) -> Iterable[Pair]:
    sources: list[dict[str, Any]] = [
        {"id": {"terms": {"field": id_field}}},
        {"name": {"terms": {"field": name_field}}},
    ]
    if type_field is not None:
        sources.append({"type": {"terms": {"field": type_field, "missing_bucket": True}}})
    after: dict[str, Any] | None = None
    while True:
        comp: dict[str, Any] = {"size": 1000, "sources": sources}
        if after is not None:
            comp["after"] = after
        resp = es.search(
            index=ix.posts_alias(settings),
            size=0,
            ignore_unavailable=True,
            allow_no_indices=True,
            query={"bool": {"filter": [{"exists": {"field": id_field}}, {"exists": {"field": name_field}}]}},
            aggs={"pairs": {"composite": comp, "aggs": {"last": {"max": {"field": "date"}}}}},
        )
        pairs = (resp.get("aggregations") or {}).get("pairs")
        if not pairs or not pairs["buckets"]:
            return
        for b in pairs["buckets"]:
            k = b["key"]
            name = name_key(str(k["name"]))
            if k.get("type") == "user" or name is None or not isinstance(k["id"], int) or k["id"] <= 0:
                continue
            yield Pair(int(k["id"]), name, str(b["last"].get("value_as_string") or ""))
        after = pairs.get("after_key")
        if after is None:
            return


def load(es: Elasticsearch, settings: DozorSettings) -> Aliases:
    """The aliases the whole index shows (not only a time window: who a channel is does not expire)."""
    pairs = [
        *_pairs_query(es, settings, "forward.from_id", "forward.from_username", "forward.from_type"),
        *_pairs_query(es, settings, "channel.id", "channel.username", None),
    ]
    return Aliases.from_pairs(pairs)

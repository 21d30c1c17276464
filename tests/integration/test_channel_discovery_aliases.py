"""One channel, two spellings: a channel the posts point to by numeric id (a Desktop export's forward, a
``t.me/c/<id>`` link) and by @name (a mention, a collected forward) is one suggestion and one graph node
when the corpus ties the two (a forward carrying both); a registry channel is left out by either
spelling; likely bots are left out unless asked for. Real Kafka and Elasticsearch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from ingest import registry as reg
from search.discovery import suggest
from search.discovery_graph import graph
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
A, B, C = 1794000001, 1794000002, 1794000003
X = 1799300001  # @origin_x: collected forward (id + name), Desktop forward (id only), mention + t.me/c link
R = 1799300002  # @reg_named: in the registry by name, pointed to by id
Q = 1799300003  # in the registry by id, pointed to by @reg_by_id
T = 1799300004  # @news_feed_bot: a channel whose name ends in "bot" (forwarded from, so no bot)
NAMES = {A: "alias_a", B: "alias_b", C: "alias_c"}


def _fwd(channel_id: int, title: str, username: str | None = None) -> dict[str, Any]:
    """A forward as the collector records it (with the origin's username) or as a Desktop export does."""
    out: dict[str, Any] = {"from_id": channel_id, "from_name": title, "from_type": "channel"}
    return out | {"from_username": username} if username else out


def _post(channel: int, mid: int, day: int, text: str = "Пост", **extra: Any) -> dict[str, Any]:
    date = f"2026-11-{day:02d}T08:00:00Z"
    return enriched(channel, mid, text, "ru", username=NAMES[channel], date=date, **extra)


def _records() -> list[dict[str, Any]]:
    link = f"https://t.me/c/{X}/7"
    return [
        _post(A, 1, 3, forward=_fwd(X, "Origin X", "origin_x"), topics=["migration"]),
        _post(B, 1, 4, forward=_fwd(X, "Origin X")),
        _post(C, 1, 5, f"Читайте @origin_x: {link}", mentions=["origin_x"], links=[link]),  # both spellings
        _post(A, 2, 6, forward=_fwd(R, "Registry Named", "reg_named")),
        _post(B, 2, 7, forward=_fwd(R, "Registry Named")),
        _post(C, 2, 8, forward=_fwd(Q, "Registry By Id", "reg_by_id")),
        _post(A, 3, 9, "Пишите @help_migrant_bot и @reg_by_id", mentions=["help_migrant_bot", "reg_by_id"]),
        _post(B, 3, 10, "Бот: @Help_Migrant_Bot", mentions=["Help_Migrant_Bot"]),
        _post(C, 3, 11, forward=_fwd(T, "News Feed", "news_feed_bot")),
    ]


@pytest.fixture()
def world(ss: SearchSettings, es: Elasticsearch, tmp_path: Path) -> reg.Registry:
    entries = [{"channel": f"@{n}"} for n in NAMES.values()] + [{"channel": "@reg_named"}, {"channel": Q}]
    path = tmp_path / "channels.yaml"
    path.write_text(yaml.safe_dump({"channels": entries}), encoding="utf-8")
    produce(ss, dk.ENRICHED, _records())
    drain_index(ss, es)
    return reg.load(path)


def test_one_channel_by_id_and_name_is_one_suggestion(
    ss: SearchSettings, es: Elasticsearch, world: reg.Registry
) -> None:
    found = suggest(es, ss, world)
    assert [s["channel"] for s in found] == ["@origin_x", "@news_feed_bot"]  # no id:R, @reg_by_id or bot
    x = found[0]
    assert (x["channel_id"], x["username"], x["aliases"], x["title"]) == (X, "origin_x", [f"id:{X}"], "Origin X")
    # Three posts from three watched channels, the one naming both spellings counted once.
    assert (x["watched_channels"], x["sources"], x["posts"], x["score"]) == (3, 3, 3, 3.75)
    assert x["via"] == {"forward": 2, "mention": 1, "link": 1}
    assert (x["first_seen"], x["last_seen"]) == ("2026-11-03T08:00:00Z", "2026-11-05T08:00:00Z")
    assert [(e["id"], e["via"]) for e in x["evidence"]] == [
        (f"tg:{C}:1", ["mention", "link"]),
        (f"tg:{B}:1", ["forward"]),
        (f"tg:{A}:1", ["forward"]),
    ]
    assert (x["topical_posts"], x["likely_bot"], found[1]["likely_bot"]) == (1, False, False)
    assert sorted(c["id"] or 0 for c in x["from_channels"]) == [A, B, C]

    with_bots = suggest(es, ss, world, bots=True)
    bot = next(s for s in with_bots if s["channel"] == "@help_migrant_bot")
    assert (bot["likely_bot"], bot["posts"], bot["watched_channels"], bot["aliases"]) == (True, 2, 2, [])
    assert [s["channel"] for s in with_bots] == ["@origin_x", "@help_migrant_bot", "@news_feed_bot"]

    # --min-posts counts the merged channel's posts, not each spelling's.
    assert [s["channel"] for s in suggest(es, ss, world, min_posts=3)] == ["@origin_x"]
    # Without the registry, the registry-only channels come back, each once under its @name.
    bare = {s["channel"]: s for s in suggest(es, ss, None)}
    assert set(bare) == {"@origin_x", "@news_feed_bot", "@reg_named", "@reg_by_id"}
    assert (bare["@reg_named"]["posts"], bare["@reg_named"]["aliases"]) == (2, [f"id:{R}"])
    assert (bare["@reg_by_id"]["posts"], bare["@reg_by_id"]["via"]["mention"]) == (2, 1)


def test_cli_json_and_graph_merge_the_spellings(
    ss: SearchSettings, es: Elasticsearch, world: reg.Registry, tmp_path: Path
) -> None:
    path = tmp_path / "channels.yaml"
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run(
        [DOZOR, "channels", "suggest", "--json", "--include-bots", "--registry", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(s["channel"], s["sources"], s["likely_bot"]) for s in lines] == [
        ("@origin_x", 3, False),
        ("@help_migrant_bot", 2, True),
        ("@news_feed_bot", 1, False),
    ]
    assert [s["score"] for s in lines] == sorted((s["score"] for s in lines), reverse=True)
    table = subprocess.run(
        [DOZOR, "channels", "suggest", "--include-bots", "--registry", str(path)],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert f"id:{X}" in table and "@help_migrant_bot (bot?)" in table and "@origin_x (bot?)" not in table

    nodes, edges = graph(es, ss, world)
    keys = {n.key for n in nodes}
    assert f"id:{X}" not in keys and f"id:{R}" not in keys and f"id:{Q}" not in keys
    by_pair = {(e.source, e.target): e for e in edges}
    both = by_pair[(f"id:{C}", "@origin_x")]  # one post by @name and by t.me/c link: one post
    assert (both.posts, both.via) == (1, {"forward": 0, "mention": 1, "link": 1})
    assert both.first_seen == both.last_seen == "2026-11-05T08:00:00Z"
    assert by_pair[(f"id:{B}", "@origin_x")].via["forward"] == 1  # the Desktop forward, by id
    assert by_pair[(f"id:{B}", "@reg_named")].posts == 1 and by_pair[(f"id:{A}", "@reg_named")].posts == 1
    registry_nodes = {n.key for n in nodes if n.in_registry}
    assert {"@reg_named", "@reg_by_id"} <= registry_nodes and "@origin_x" not in registry_nodes
    labels = {n.key: n.label for n in nodes}
    assert (labels["@origin_x"], labels["@reg_by_id"]) == ("Origin X", "Registry By Id")

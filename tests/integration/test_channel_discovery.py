"""Channel discovery end to end on the real Kafka and Elasticsearch: the collector (fake client, real
Telethon forwards) -> `enrich --drain` -> `index --drain`, then `dozor channels suggest --json` and
`dozor channels edges` (CSV and GEXF read back), with the exclusion rules."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.settings import DozorSettings
from ingest import registry as reg
from ingest.checkpoints import CheckpointStore
from ingest.collector import Account, Collector
from ingest.producer import RawSink, prepare_topics
from ingest.settings import IngestSettings
from ingest.suggested import add, suggested_path
from search import index as ix
from tests.support.fakeclient import FakeTelegram, message_from_record

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
A = {"id": 1792000001, "username": "watch_a", "title": "Watch A", "category": "migrant_community"}
B = {"id": 1792000002, "username": "watch_b", "title": "Watch B", "category": "media"}
X, Z = 1799000001, 1799000002  # X: a public origin Telegram names; Z: known by id only
TOPICAL = "В миграционном центре Сахарово сотрудники военкомата раздают мигрантам листовки о контрактной службе."
PLAIN = "Погода сегодня хорошая, солнечно и тепло, вечером обещают дождь."
REGISTRY_YAML = {
    "channels": [
        {"channel": "@watch_a", "category": "migrant_community"},
        {"channel": "@watch_b", "category": "media"},
        {"channel": "@reg_only", "notes": "in the registry, nothing collected yet"},
    ]
}


def _post(channel: dict[str, Any], mid: int, text: str, minutes: int, **extra: Any) -> dict[str, Any]:
    when = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"schema": 1, "channel": channel, "message_id": mid, "date": when, "text": text, **extra}


def _fwd(channel_id: int, minutes: int, kind: str = "channel") -> dict[str, Any]:
    return {"from_id": channel_id, "date": (T0 - timedelta(minutes=minutes)).isoformat(), "from_type": kind}


def _records() -> list[dict[str, Any]]:
    return [
        _post(A, 1, TOPICAL, 0, forward=_fwd(X, 30)),  # forwarded from X (Telegram sends X's entity)
        _post(B, 1, PLAIN, 10, forward=_fwd(X, 30)),
        _post(
            A,
            2,
            f"Подробнее: https://t.me/s/origin_x/55 и у @Mention_Y. {TOPICAL}",
            20,
            links=["https://t.me/s/origin_x/55"],
            mentions=["Mention_Y"],
        ),
        _post(A, 3, f"{PLAIN} Пост: https://t.me/c/{Z}/10", 30, links=[f"https://t.me/c/{Z}/10"]),
        # Self-references, the registry's channels and a forward from a person: none is a suggestion.
        _post(
            A,
            4,
            f"Наш архив: https://t.me/watch_a/3, подписывайтесь на @watch_a. {PLAIN}",
            40,
            links=["https://t.me/watch_a/3"],
            mentions=["watch_a"],
        ),
        _post(B, 2, f"Читайте @watch_a и @reg_only. {PLAIN}", 50, mentions=["watch_a", "reg_only"]),
        _post(B, 3, PLAIN, 60, forward=_fwd(555000111, 5, "user")),
        _post(B, 4, f"Источник: @mention_y {PLAIN}", 70, mentions=["mention_y"]),
    ]


def _dozor(ss: DozorSettings, *args: str) -> str:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def _collect(settings: DozorSettings, registry: reg.Registry) -> list[dict[str, Any]]:
    s = IngestSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, raw_partitions=2)
    fake = FakeTelegram()
    fake.add_origin(X, "origin_x", "Origin X")
    for ch in (A, B):
        fake.add_channel(ch["id"], ch["username"], ch["title"])
    fake.add_channel(1792000099, "reg_only", "Registry only")
    for record in _records():
        fake.add_message(message_from_record(record))
    prepare_topics(s)
    sink = RawSink(s, stage="ingest.collect")
    try:
        collector = Collector(s, registry, [Account("fake", fake)], sink, CheckpointStore(s, sink))
        asyncio.run(collector.run(live=False))
    finally:
        sink.close()
    return [json.loads(r.value) for r in dk.read_all(s, dk.RAW)]


@pytest.fixture()
def indexed(ss: DozorSettings, tmp_path: Path) -> Path:
    path = tmp_path / "channels.yaml"
    path.write_text(yaml.safe_dump(REGISTRY_YAML), encoding="utf-8")
    raw = _collect(ss, reg.load(path))
    forwards = {(r["channel"]["id"], r["message_id"]): r["forward"] for r in raw if r.get("forward")}
    # The collector carries the origin as Telethon gives it: X by its entity, the person as a user.
    assert forwards[(A["id"], 1)] == {
        "from_id": X,
        "from_name": "Origin X",
        "date": (T0 - timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        "from_type": "channel",
        "from_username": "origin_x",
    }
    assert forwards[(B["id"], 3)]["from_type"] == "user"
    _dozor(ss, "enrich", "--drain")
    _dozor(ss, "index", "--drain")
    return path


def test_suggest_ranks_unwatched_channels_with_evidence(ss: DozorSettings, indexed: Path) -> None:
    found = [
        json.loads(line)
        for line in _dozor(ss, "channels", "suggest", "--json", "--registry", str(indexed)).splitlines()
    ]
    assert [s["channel"] for s in found] == ["@origin_x", "@mention_y", f"id:{Z}"]
    x, y, z = found
    assert set(x) == {
        "channel", "username", "channel_id", "title", "aliases", "likely_bot", "watched_channels", "sources", "score",
        "posts", "topical_posts", "topical_share",
        "first_seen", "last_seen", "via", "from_channels", "evidence",
    }  # fmt: skip
    assert (x["username"], x["channel_id"], x["title"]) == ("origin_x", X, "Origin X")
    assert (x["aliases"], x["likely_bot"], z["aliases"]) == ([f"id:{X}"], False, [])  # the forward ties X's id
    assert (x["sources"], x["score"], z["sources"], z["score"]) == (2, 2.75, 1, 1.5)
    assert [s["score"] for s in found] == sorted((s["score"] for s in found), reverse=True)
    assert (x["watched_channels"], x["posts"], x["topical_posts"], x["topical_share"]) == (2, 3, 2, 0.667)
    assert x["via"] == {"forward": 2, "mention": 0, "link": 1}
    assert (x["first_seen"], x["last_seen"]) == ("2026-11-02T08:00:00Z", "2026-11-02T08:20:00Z")
    assert sorted(c["username"] for c in x["from_channels"]) == ["watch_a", "watch_b"]
    assert [e["id"] for e in x["evidence"]] == [f"tg:{A['id']}:2", f"tg:{B['id']}:1", f"tg:{A['id']}:1"]
    assert x["evidence"][0]["via"] == ["link"] and x["evidence"][2]["via"] == ["forward"]
    assert "migration" in x["evidence"][0]["topics"]
    # Two watched channels mention Y (in two spellings); Z is known from a private link only.
    assert (y["watched_channels"], y["posts"], y["via"]["mention"], y["channel_id"]) == (2, 2, 2, None)
    assert (z["channel_id"], z["username"], z["posts"], z["via"]) == (
        Z,
        None,
        1,
        {"forward": 0, "mention": 0, "link": 1},
    )

    # --limit, --min-posts, --since
    assert [
        json.loads(line)["channel"]
        for line in _dozor(ss, "channels", "suggest", "--json", "--limit", "1", "--registry", str(indexed)).splitlines()
    ] == ["@origin_x"]
    more = _dozor(ss, "channels", "suggest", "--json", "--min-posts", "2", "--registry", str(indexed)).splitlines()
    assert [json.loads(line)["channel"] for line in more] == ["@origin_x", "@mention_y"]
    assert _dozor(ss, "channels", "suggest", "--json", "--since", "1h", "--registry", str(indexed)) == ""
    late = _dozor(ss, "channels", "suggest", "--json", "--since", "2026-11-02T08:15:00Z", "--registry", str(indexed))
    assert [json.loads(line)["channel"] for line in late.splitlines()] == ["@mention_y", "@origin_x", f"id:{Z}"]

    # Without the registry, @reg_only (no posts indexed) becomes a suggestion; the watched ones still do not.
    bare = _dozor(ss, "channels", "suggest", "--json", "--registry", str(indexed.with_name("none.yaml")))
    assert {json.loads(line)["channel"] for line in bare.splitlines()} == {
        "@origin_x",
        "@mention_y",
        f"id:{Z}",
        "@reg_only",
    }


def test_edges_export_reads_back_in_csv_and_gexf(ss: DozorSettings, indexed: Path, tmp_path: Path) -> None:
    out_csv, out_gexf = tmp_path / "edges.csv", tmp_path / "graph.gexf"
    _dozor(ss, "channels", "edges", "--format", "csv", "--output", str(out_csv), "--registry", str(indexed))
    _dozor(ss, "channels", "edges", "--format", "gexf", "--output", str(out_gexf), "--registry", str(indexed))
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    edges = {(r["Source"], r["Target"]): r for r in rows}
    a, b = f"id:{A['id']}", f"id:{B['id']}"
    assert set(edges) == {
        (a, "@origin_x"),
        (b, "@origin_x"),
        (a, "@mention_y"),
        (b, "@mention_y"),
        (a, f"id:{Z}"),
        (b, a),
        (b, "@reg_only"),
    }
    ax = edges[(a, "@origin_x")]
    assert (ax["Weight"], ax["forward"], ax["link"], ax["Type"], ax["target_label"]) == (
        "2",
        "1",
        "1",
        "Directed",
        "Origin X",
    )
    assert edges[(b, a)]["mention"] == "1"  # a watched channel pointed to by @name is one node with its id

    g = nx.read_gexf(out_gexf)
    assert g.is_directed() and g.number_of_edges() == len(rows)
    assert g.nodes[a]["label"] == "Watch A" and g.nodes[a]["watched"] is True and g.nodes[a]["in_registry"] is True
    assert g.nodes["@origin_x"]["watched"] is False and g.nodes["@reg_only"]["in_registry"] is True
    assert g.edges[a, "@origin_x"]["weight"] == 2 and g.edges[b, a]["mention"] == 1
    assert out_gexf.read_text(encoding="utf-8").count('version="1.3"') == 1


def test_suggested_entries_wait_for_review(tmp_path: Path) -> None:
    registry = tmp_path / "channels.yaml"
    registry.write_text(yaml.safe_dump(REGISTRY_YAML), encoding="utf-8")
    path, added = add(registry, "@origin_x", title="Origin X", by="ann", reason="2 watched channels, 3 posts")
    assert (path, added) == (suggested_path(registry), True) and path.name == "channels.suggested.yaml"
    assert add(registry, "@Origin_X", title=None, by="bob", reason="again")[1] is False  # already suggested
    assert add(registry, "@watch_a", title=None, by="bob", reason="in the registry")[1] is False
    assert add(registry, Z, title=None, by="bob", reason="by id")[1] is True
    entries = reg.load(path).channels  # a valid registry file, every entry disabled
    assert [(e.channel, e.enabled, e.title) for e in entries] == [("@origin_x", False, "Origin X"), (Z, False, None)]
    assert entries[0].notes.startswith("suggested by ann on ")
    assert [e.label for e in reg.load(registry).enabled] == ["@watch_a", "@watch_b", "@reg_only"]  # untouched


def test_backfill_gives_older_posts_their_references(ss: DozorSettings, indexed: Path) -> None:
    """A post indexed by a Dozor that did not record references (its document without them) counts
    once `dozor channels backfill-refs` ran; posts that have references are not read again (those that
    point nowhere are: a self-reference and a person's forward)."""
    es = dozor_es.client(ss)
    try:
        old = {
            "id": f"tg:{B['id']}:9",
            "stub": False,
            "channel": B,
            "message_id": 9,
            "date": "2026-11-02T09:30:00Z",
            "text": "Старый пост: https://t.me/older_source/4",
            "links": ["https://t.me/older_source/4"],
            "mentions": [],
            "forward": None,
            "topics": [],
        }
        es.index(index=ix.posts_index(ss, T0), id=old["id"], document=old, refresh=True)
        before = _dozor(ss, "channels", "suggest", "--json", "--registry", str(indexed))
        assert "@older_source" not in before
        assert _dozor(ss, "channels", "backfill-refs").startswith("3 posts without channel references read, 1 updated")
        found = es.search(index=ix.posts_alias(ss), query={"ids": {"values": [old["id"]]}})["hits"]["hits"][0]
        assert found["_source"]["channel_refs"] == ["@older_source"]
        after = [
            json.loads(line)
            for line in _dozor(ss, "channels", "suggest", "--json", "--registry", str(indexed)).splitlines()
        ]
        older = next(s for s in after if s["channel"] == "@older_source")
        assert (older["posts"], older["via"]["link"], older["evidence"][0]["id"]) == (1, 1, old["id"])
        assert _dozor(ss, "channels", "backfill-refs").startswith("2 posts without channel references read, 0 updated")
    finally:
        es.close()

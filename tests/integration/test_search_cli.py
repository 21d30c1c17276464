"""The search commands as scripts use them: `dozor index --drain`, `dozor search --json`, `dozor stats`,
`dozor searches ...` (subprocesses with the test's topic/index prefix in the environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dozor import kafka as dk
from search.settings import SearchSettings
from tests.support.stack import enriched, produce

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))


def dozor(ss: SearchSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    return subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=120)


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


POSTS = [
    enriched(
        11,
        1,
        "Мобилизацией занимаются военкоматы Москвы",
        "ru",
        username="ru_news",
        topics=["mobilization"],
        date="2026-10-01T08:00:00Z",
    ),
    enriched(
        12,
        2,
        "Янги қонун: фуқаролигини олиш тартиби соддалаштирилди",
        "uz",
        username="uz_gov",
        topics=["citizenship"],
        category="official",
        date="2026-10-02T08:00:00Z",
    ),
    enriched(
        13,
        3,
        "Migration centre opens in Sakharovo",
        "en",
        username=None,
        topics=["migration"],
        date="2026-10-03T08:00:00Z",
    ),
]


def test_no_index_yet_prints_nothing(ss: SearchSettings) -> None:
    done = dozor(ss, "search", "*", "--json")
    assert (done.returncode, done.stdout) == (0, "")


def test_index_drain_then_search_json_contract(ss: SearchSettings) -> None:
    assert dozor(ss, "index", "--drain").returncode == 0  # no topic yet: nothing to do
    produce(ss, dk.ENRICHED, POSTS)
    done = dozor(ss, "index", "--drain")
    assert done.returncode == 0, done.stderr
    assert "3 records" in done.stderr

    hits = lines(dozor(ss, "search", "мобилизация", "--json").stdout)
    assert [h["id"] for h in hits] == ["tg:11:1"]
    hit = hits[0]
    assert hit["channel"] == {"id": 11, "username": "ru_news", "title": "Test", "category": "media", "country": "RU"}
    assert hit["message_id"] == 1 and isinstance(hit["message_id"], int)
    assert hit["url"] == "https://t.me/ru_news/1"
    assert hit["lang"] == "ru" and hit["script"] == "Cyrl" and hit["topics"] == ["mobilization"]
    assert hit["highlight"] and "<mark>Мобилизацией</mark>" in hit["highlight"][0]

    # Uzbek Latin finds the Cyrillic Uzbek post; filters narrow; `*` lists by date, newest first.
    assert [h["id"] for h in lines(dozor(ss, "search", "fuqarolik", "--json").stdout)] == ["tg:12:2"]
    every = lines(dozor(ss, "search", "*", "--json").stdout)
    assert [h["id"] for h in every] == ["tg:13:3", "tg:12:2", "tg:11:1"]
    assert every[0]["url"] is None
    assert [h["id"] for h in lines(dozor(ss, "search", "*", "--json", "--category", "official").stdout)] == ["tg:12:2"]
    assert [h["id"] for h in lines(dozor(ss, "search", "*", "--json", "--channel", "@RU_NEWS").stdout)] == ["tg:11:1"]
    assert [h["id"] for h in lines(dozor(ss, "search", "*", "--json", "--channel", "13").stdout)] == ["tg:13:3"]
    assert len(lines(dozor(ss, "search", "*", "--json", "--since", "2026-10-02", "--limit", "1").stdout)) == 1
    assert len(lines(dozor(ss, "search", "*", "--json", "--lang", "ru,en").stdout)) == 2

    stats = json.loads(dozor(ss, "stats", "*", "--json").stdout)
    assert stats["total"] == 3 and stats["lang"] == {"en": 1, "ru": 1, "uz": 1}
    assert stats["per_day"] == {"2026-10-01": 1, "2026-10-02": 1, "2026-10-03": 1}
    human = dozor(ss, "search", "мобилизация")
    assert human.returncode == 0 and "ru_news" in human.stdout

    # A delete hides the post unless --include-deleted; it stays, marked.
    delete = {"schema": 1, "event": "delete", "channel": {"id": 11}, "message_id": 1}
    produce(ss, dk.ENRICHED, [delete])
    assert dozor(ss, "index", "--drain").returncode == 0
    assert lines(dozor(ss, "search", "мобилизация", "--json").stdout) == []
    kept = lines(dozor(ss, "search", "мобилизация", "--json", "--include-deleted").stdout)
    assert [h["id"] for h in kept] == ["tg:11:1"] and kept[0]["deleted_at"]


def test_syntax_error_is_exit_2_and_one_line(ss: SearchSettings) -> None:
    done = dozor(ss, "search", "мобилизация AND (повестка", "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "position" in done.stderr and "Traceback" not in done.stderr
    assert dozor(ss, "search", "x", "--limit", "10001").returncode == 2


def test_saved_search_reports_only_new_hits_on_its_second_run(ss: SearchSettings) -> None:
    produce(ss, dk.ENRICHED, POSTS)
    assert dozor(ss, "index", "--drain").returncode == 0
    added = dozor(
        ss,
        "searches",
        "add",
        "mob",
        "мобилизация OR fuqarolik",
        "--owner",
        "desk",
        "--notify-webhook",
        "http://127.0.0.1:9/hook",
    )
    assert added.returncode == 0, added.stderr
    assert dozor(ss, "searches", "add", "mob", "x").returncode == 2  # names are unique
    assert dozor(ss, "searches", "add", "bad", "a AND (").returncode == 2

    first = lines(dozor(ss, "searches", "run", "mob", "--json").stdout)
    assert sorted(h["id"] for h in first) == ["tg:11:1", "tg:12:2"]
    assert dozor(ss, "searches", "run", "mob", "--json").stdout == ""  # nothing new since

    produce(ss, dk.ENRICHED, [enriched(11, 4, "Мобилизация продолжается", "ru", username="ru_news")])
    assert dozor(ss, "index", "--drain").returncode == 0
    assert [h["id"] for h in lines(dozor(ss, "searches", "run", "mob", "--json").stdout)] == ["tg:11:4"]

    shown = json.loads(dozor(ss, "searches", "show", "mob").stdout)
    assert shown["owner"] == "desk" and shown["notify"] == [{"webhook": {"url": "http://127.0.0.1:9/hook"}}]
    assert shown["last_run_at"]
    assert dozor(ss, "searches", "update", "mob", "--lang", "ru", "--inactive").returncode == 0
    listed = lines(dozor(ss, "searches", "list", "--json").stdout)
    assert [(s["name"], s["filters"]["lang"], s["active"]) for s in listed] == [("mob", ["ru"], False)]
    assert dozor(ss, "searches", "delete", "mob").returncode == 0
    gone = dozor(ss, "searches", "show", "mob")
    assert gone.returncode == 2 and "no saved search" in gone.stderr

"""Stories end to end on the real Kafka and Elasticsearch: `dozor import`, `enrich --drain`, `index --drain`,
then `dozor search 'story:…' --json`, `dozor stories --json` and the `spread` rule; and the claims in
Elasticsearch shared by two enricher processes (a restart, a race)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.kind import ActiveRule
from alerts.rules import parse_rule
from alerts.settings import AlertSettings
from alerts.spread import spread
from dozor import es as dozor_es
from dozor.settings import DozorSettings
from enrich.pipeline import Enricher
from enrich.stories import StoryAssigner, assign_records
from enrich.stories.assign import Claim, Holder, Post
from enrich.stories.es_store import EsStoryStore
from enrich.stories.minhash import signature
from search.settings import SearchSettings
from tests.support.story_variants import ORIGINAL, OTHER

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
T0 = datetime.fromisoformat("2026-11-02T08:00:00+00:00")
UZ_LATN = (
    "Rossiyada yashayotgan vatandoshlar diqqatiga! Migratsiya hisobiga turish muddati 15 kundan 7 kunga "
    "qisqartirildi. Muddatni o‘tkazib yuborgan fuqarolarga jarima solinadi."
)
UZ_CYRL = (
    "Россияда яшаётган ватандошлар диққатига! Миграция ҳисобига туриш муддати 15 кундан 7 кунга "
    "қисқартирилди. Муддатни ўтказиб юборган фуқароларга жарима солинади."
)
CHANNELS = {
    "a": {"id": 1791000001, "username": "migrants_a", "category": "migrant_community"},
    "b": {"id": 1791000002, "username": "news_b", "category": "media"},
    "c": {"id": 1791000003, "username": "official_c", "category": "official"},
    "d": {"id": 1791000004, "username": "other_d", "category": "other"},
}
FIRST = "tg:1791000001:1"


def _raw(channel: str, message_id: int, text: str, minutes: int, event: str = "new") -> dict[str, Any]:
    when = (T0 + timedelta(minutes=minutes)).isoformat()
    record: dict[str, Any] = {
        "schema": 1,
        "event": event,
        "channel": CHANNELS[channel],
        "message_id": message_id,
        "date": when,
        "text": text,
        "collected_at": when,
    }
    if event == "edit":
        record["edit_date"] = when
    return record


def _posts() -> list[dict[str, Any]]:
    return [
        _raw("a", 1, ORIGINAL, 0),
        _raw("a", 2, UZ_LATN, 5),
        _raw("b", 5, f"🔥🔥 {ORIGINAL} #мигранты #Сахарово https://t.me/news_b/5", 10),
        _raw("d", 3, OTHER, 60),
        _raw("d", 4, f"⚠️ {UZ_CYRL}", 30),
        _raw("c", 9, f"{ORIGINAL} Проверьте информацию на сайте ведомства.", 120),
        _raw(
            "c",
            9,
            "Сообщение удалено администрацией канала по просьбе ведомства, подробности позже сегодня.",
            180,
            "edit",
        ),
        {**_raw("a", 1, "", 240, "delete"), "date": None},
    ]


def _dozor(ss: DozorSettings, *args: str) -> str:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def test_cross_posts_share_a_story_through_the_pipeline(ss: SearchSettings, tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in _posts()), encoding="utf-8")
    for step in (["import", str(source)], ["enrich", "--drain"], ["index", "--drain"]):
        _dozor(ss, *step)

    every = {
        h["id"]: h["story"]
        for h in map(json.loads, _dozor(ss, "search", "*", "--include-deleted", "--json").splitlines())
    }
    # A story's id is the post that started it in Dozor: channels arrive through different partitions,
    # so not necessarily the earliest; `dozor stories` tells which post came first.
    story = every[FIRST]
    hits = [
        json.loads(line)
        for line in _dozor(ss, "search", f'story:"{story}"', "--include-deleted", "--json").splitlines()
    ]
    # The first post (deleted since), its repost and the official copy, edited since into other words:
    # an edit never splits a story.
    assert sorted(h["id"] for h in hits) == [FIRST, "tg:1791000002:5", "tg:1791000003:9"]
    assert {h["story"] for h in hits} == {story}
    assert every["tg:1791000004:3"] == "tg:1791000004:3"  # the look-alike is a story of its own
    uz = every["tg:1791000001:2"]
    assert every["tg:1791000004:4"] == uz and uz in ("tg:1791000001:2", "tg:1791000004:4")  # Uzbek, both scripts

    stories = [json.loads(line) for line in _dozor(ss, "stories", "--json").splitlines()]
    assert [s["story"] for s in stories] == [story, uz]  # by spread
    top = stories[0]
    assert (top["first"], top["first_deleted"], top["posts"], top["channels"]) == (FIRST, True, 3, 3)
    assert top["reach_s"] == [600, 7200]
    assert set(top["categories"]) == {"migrant_community", "media", "official"}
    assert top["latest"] == "tg:1791000003:9"
    assert _dozor(ss, "stories", "--since", "1h", "--json") == ""  # nothing posted in the last hour
    assert len(_dozor(ss, "stories", "--min-posts", "1", "--json").splitlines()) == 3

    settings = AlertSettings(topic_prefix=ss.topic_prefix, index_prefix=ss.index_prefix)
    es = dozor_es.client(settings)
    now = T0 + timedelta(hours=4)
    try:

        def fired(rule: dict[str, Any], at: datetime = now) -> list[str]:
            active = ActiveRule(parse_rule({"name": "spread-test", "type": "spread", **rule}), {"match_all": {}})
            return [a.id for a in spread(es, settings, active, at)]

        assert fired({"channels": 3, "within": "6h"}) == [f"spread-test/{story}"]
        assert fired({"channels": 3, "within": "1h"}) == []  # the third channel came after two hours
        assert fired({"from_category": "migrant_community", "to_category": "official"}) == [f"spread-test/{story}"]
        assert fired({"from_category": "official", "to_category": "migrant_community"}) == []
        # Both conditions, checked 45 minutes in: only the Uzbek story reached an `other` channel.
        assert fired({"channels": 2, "within": "1h", "to_category": ["other"]}, T0 + timedelta(minutes=45)) == [
            f"spread-test/{uz}"
        ]
    finally:
        es.close()


def _record(text: str, channel: int, message_id: int) -> dict[str, Any]:
    return Enricher().enrich({"text": text, "channel": {"id": channel}, "message_id": message_id})


def test_claims_in_elasticsearch_survive_a_restart(ss: SearchSettings) -> None:
    es = dozor_es.client(ss)
    try:
        first = _record(ORIGINAL, 1, 1)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [first], ["tg:1:1"])
        repost = _record(f"‼️ {ORIGINAL} #мигранты", 2, 7)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [repost], ["tg:2:7"])  # another process
        assert (first["story"], repost["story"]) == ("tg:1:1", "tg:1:1")
    finally:
        es.close()


def test_claims_keep_post_ids_that_json_must_escape(ss: SearchSettings) -> None:
    """An imported post's id is any string: quotes, a backslash and Cyrillic travel in the bulk body intact."""
    odd = 'import:"канал"\\42'
    es = dozor_es.client(ss)
    try:
        first = _record(ORIGINAL, 1, 1)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [first], [odd])
        repost = _record(f"‼️ {ORIGINAL} #мигранты", 2, 7)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [repost], ["tg:2:7"])
        assert (first["story"], repost["story"]) == (odd, odd)
        held = EsStoryStore(es, ss).holders(signature(first["text_norm"]).bands())
        assert {h.post for h in held.values()} == {odd}
    finally:
        es.close()


class _RivalFirst(EsStoryStore):
    """Another enricher claims the same bands between this one's lookup and its claim."""

    def __init__(self, es: Any, settings: DozorSettings, rival: Post) -> None:
        super().__init__(es, settings)
        self.rival: Post | None = rival

    def holders(self, bands: Collection[str]) -> dict[str, Holder]:
        found = super().holders(bands)
        if self.rival is not None:
            rival, self.rival = self.rival, None
            assert rival.signature is not None
            other = EsStoryStore(self.es, DozorSettings(index_prefix=self.index.removesuffix("-story-keys")))
            other.claim([Claim(rival.id, rival.id, rival.signature, rival.signature.bands())])
        return found


def test_two_enrichers_racing_for_one_story_agree(ss: SearchSettings) -> None:
    es = dozor_es.client(ss)
    try:
        store = _RivalFirst(es, ss, Post("tg:2:5", signature(Enricher().fields(f"🔥 {ORIGINAL}")["text_norm"])))
        record = _record(ORIGINAL, 1, 1)
        assign_records(StoryAssigner(store), [record], ["tg:1:1"])
        assert record["story"] == "tg:2:5"
        assert {h.story for h in EsStoryStore(es, ss).holders(signature(record["text_norm"]).bands()).values()} == {
            "tg:2:5"
        }  # type: ignore[union-attr]
    finally:
        es.close()


class _Asking(EsStoryStore):
    """Notes the band ids each look-up asks the index for."""

    def __init__(self, es: Any, settings: DozorSettings) -> None:
        super().__init__(es, settings)
        self.asked: list[str] = []

    def _sources(self, ids: list[str]) -> list[dict[str, Any] | None]:
        self.asked += [i for i in ids if i.startswith("b:")]
        return super()._sources(ids)


def test_an_enricher_answers_its_own_claims_as_the_index_does(ss: SearchSettings) -> None:
    """The bands a process claimed are not asked for again, and what it answers for them is the index's
    answer; after a lost race, the bands the rival holds are asked for and answered with the rival's story."""
    es = dozor_es.client(ss)
    try:
        store = _Asking(es, ss)
        first = _record(ORIGINAL, 1, 1)
        assign_records(StoryAssigner(store), [first], ["tg:1:1"])
        bands = signature(first["text_norm"]).bands()  # type: ignore[union-attr]
        store.asked.clear()
        repost = _record(f"‼️ {ORIGINAL} #мигранты", 2, 7)
        assign_records(StoryAssigner(store), [repost], ["tg:2:7"])
        assert repost["story"] == "tg:1:1"
        assert not set(store.asked) & {f"b:{b}" for b in bands}
        assert store.holders(bands) == EsStoryStore(es, ss).holders(bands)

        # The rival adds a sentence: it holds some of the bands, and the post's others are re-pointed.
        rival_text = Enricher().fields(f"{OTHER} Подробности в нашем канале.")["text_norm"]
        racing = _RivalFirst(es, ss, Post("tg:3:5", signature(rival_text)))
        other = _record(OTHER, 4, 9)
        assign_records(StoryAssigner(racing), [other], ["tg:4:9"])
        assert other["story"] == "tg:3:5"
        other_bands = signature(other["text_norm"]).bands()  # type: ignore[union-attr]
        assert racing.holders(other_bands) == EsStoryStore(es, ss).holders(other_bands)
        assert {h.story for h in racing.holders(other_bands).values()} == {"tg:3:5"}
    finally:
        es.close()


def test_the_alerter_fires_a_spread_rule_once_per_story(ss: SearchSettings, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - name: spreading\n    type: spread\n    query: 'Сахарово'\n    channels: 2\n    within: 6h\n",
        encoding="utf-8",
    )
    _dozor(ss, "alert", "--rules", str(rules), "--drain")  # the rule is first seen before the posts
    now = datetime.now(UTC)
    posts = [
        {**_raw("a", 11, ORIGINAL, 0), "date": (now - timedelta(minutes=30)).isoformat()},
        {**_raw("b", 12, f"‼️ {ORIGINAL} #Сахарово", 0), "date": (now - timedelta(minutes=20)).isoformat()},
        {**_raw("d", 13, OTHER, 0), "date": (now - timedelta(minutes=10)).isoformat()},
    ]
    source = tmp_path / "recent.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8")
    for step in (["import", str(source)], ["enrich", "--drain"], ["index", "--drain"]):
        _dozor(ss, *step)
    for _ in range(2):  # a second run fires nothing new
        _dozor(ss, "alert", "--rules", str(rules), "--drain")
    fired = [json.loads(line) for line in _dozor(ss, "alerts", "list", "--json").splitlines()]
    story = json.loads(_dozor(ss, "search", 'id:"tg:1791000001:11"', "--json"))["story"]
    assert [(a["id"], a["alert"]["type"]) for a in fired] == [(f"spreading/{story}", "spread")]
    assert fired[0]["alert"]["details"]["channels_within"] == 2


def test_retention_deletes_claims_older_than_the_story_window(ss: SearchSettings) -> None:
    """`dozor retention apply` bounds <prefix>-story-keys: claims older than DOZOR_STORY_DAYS go (a dry run
    counts them), fresh ones stay, and a repost after the window starts a story of its own."""
    from dozor.records import utcnow
    from search.retention import Retention
    from search.retention_policy import PolicyFile

    rules = PolicyFile.model_validate({"policies": [{"name": "all", "category": ["official"], "keep": True}]})
    es = dozor_es.client(ss)
    try:
        first = _record(ORIGINAL, 1, 1)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [first], ["tg:1:1"])
        index = f"{ss.index_prefix}-story-keys"
        es.indices.refresh(index=index)
        claims = es.count(index=index)["count"]
        assert claims == 33  # its signature and its 32 bands
        later = utcnow() + timedelta(days=ss.story_days + 1)

        dry = Retention(es, ss, rules).run(dry_run=True, now=later)
        assert [(c.action, c.detail["claims"]) for c in dry.changes] == [("expire_stories", claims)]
        assert Retention(es, ss, rules).run(dry_run=False).changes == []  # inside the window: kept
        es.indices.refresh(index=index)
        assert es.count(index=index)["count"] == claims

        done = Retention(es, ss, rules).run(dry_run=False, now=later)
        assert [(c.action, c.detail["claims"]) for c in done.changes] == [("expire_stories", claims)]
        es.indices.refresh(index=index)
        assert es.count(index=index)["count"] == 0
        repost = _record(f"‼️ {ORIGINAL} #мигранты", 2, 7)
        assign_records(StoryAssigner(EsStoryStore(es, ss)), [repost], ["tg:2:7"])
        assert repost["story"] == "tg:2:7"
    finally:
        es.close()

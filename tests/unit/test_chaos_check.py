"""The chaos run's comparison counts what it claims to: each kind of damage shows in its own row."""

from __future__ import annotations

from typing import Any

from tests.chaos.check import compare
from tests.chaos.workload import RULE, generate


def _hits(work: Any) -> list[dict[str, Any]]:
    """Elasticsearch as it should be after the run: every post in its final state."""
    return [
        {"_id": pid, "_source": {"text": want.text, "edit_date": want.edit_date,
                                 "deleted_at": "2026-12-01T00:00:00Z" if want.deleted else None,
                                 "indexed_at": "2026-12-01T00:00:00Z"}}
        for pid, want in work.expected.items()
    ]  # fmt: skip


def test_the_workload_has_what_it_promises() -> None:
    work = generate(500, 30, 12, trigger_every=20)
    news = [e for e in work.events if e["event"] == "new"]
    assert len(news) == 500 and len({e["text"] for e in news}) == 500
    assert sum(e["event"] == "delete" for e in work.events) == 12
    assert sum(1 for w in work.expected.values() if w.edit_date) == 30
    assert len(work.alerts) == 25 and all(a.startswith(f"{RULE}/") for a in work.alerts)
    assert generate(500, 30, 12).events == work.events  # deterministic for a seed


def test_a_clean_run_is_clean() -> None:
    work = generate(300, 20, 10)
    outcome = compare(work, _hits(work), sorted(work.alerts) + sorted(work.alerts)[:3], dlq=0)
    assert outcome.clean
    assert outcome.counts["alert repeats (same id)"] == 3  # allowed, and reported


def test_each_kind_of_damage_is_counted() -> None:
    work = generate(300, 20, 10)
    hits = _hits(work)
    edited = next(h for h in hits if h["_source"]["edit_date"] and not h["_source"]["deleted_at"])
    edited["_source"]["text"] = "the first version"
    deleted = next(h for h in hits if h["_source"]["deleted_at"] and h is not edited)
    deleted["_source"]["deleted_at"] = None
    lost = hits.pop(0)
    hits.append(dict(hits[5]))  # the same id in a second index
    alerts = sorted(work.alerts)
    outcome = compare(work, hits, [*alerts[1:], f"{RULE}/tg:1:1@2026-01-01"], dlq=2)
    assert not outcome.clean
    counts = outcome.counts
    assert counts["lost"] == 1 and lost["_id"] in outcome.examples["lost"]
    assert counts["stale edits"] == 1 and counts["undeleted"] == 1 and counts["duplicated"] == 1
    assert counts["alerts missing"] == 1 and counts["alerts duplicated"] == 1 and counts["dead letters"] == 2

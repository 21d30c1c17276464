"""Aggregate rules, counted by Elasticsearch: frequency (>= N matching posts in a window), spike (the
window's count against the trailing baseline's rate) and flatline (a channel silent for longer than
its usual gap between posts). Post times are the posts' own ``date``. An aggregate alert's key holds
its period (realert, by default the window), so it fires at most once per period. The three rule kinds
are at the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from alerts.alert import Alert
from alerts.kind import ActiveRule, RuleKind
from alerts.render import channel_label
from alerts.rules import FlatlineRule, FrequencyRule, SpikeRule
from alerts.settings import AlertSettings
from alerts.state import iso
from search import index as ix
from search.filters import build_filters
from search.hits import SearchHit, hit_to_json

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_start(now: datetime, period: timedelta) -> datetime:
    seconds = max(period.total_seconds(), 1.0)
    return EPOCH + timedelta(seconds=(now - EPOCH).total_seconds() // seconds * seconds)


def _span(start: datetime, end: datetime) -> dict[str, Any]:
    return {"range": {"date": {"gt": iso(start), "lte": iso(end)}}}


def _human(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _counts(
    es: Elasticsearch,
    settings: AlertSettings,
    active: ActiveRule,
    start: datetime,
    now: datetime,
    spans: dict[str, Any],
) -> tuple[dict[str, int], SearchHit | None]:
    """Posts matching the rule per named span (all within start..now), and the latest of them."""
    assert active.query is not None
    resp = es.search(
        index=ix.posts_alias(settings),
        size=1,
        query={"bool": {"filter": [active.query, _span(start, now)]}},
        sort=[{"date": "desc"}],
        aggs={"spans": {"filters": {"filters": spans}}},
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    buckets = resp.get("aggregations", {}).get("spans", {}).get("buckets", {})
    hits = resp["hits"]["hits"]
    return {k: int(b["doc_count"]) for k, b in buckets.items()}, hit_to_json(hits[0]) if hits else None


def _window_alert(
    rule: FrequencyRule | SpikeRule, now: datetime, summary: str, post: SearchHit | None, details: dict[str, Any]
) -> Alert:
    """One alert per rule and realert period (the window when no realert is set): its id is the dedup key."""
    period = period_start(now, rule.realert or rule.window)
    return Alert(
        id=f"{rule.name}/@{iso(period)}",
        rule=rule.name,
        type=rule.type,
        fired_at=now,
        summary=summary,
        post=post,
        details=details,
    )


def frequency(es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> Alert | None:
    rule = active.rule
    assert isinstance(rule, FrequencyRule)
    start = now - rule.window
    counts, latest = _counts(es, settings, active, start, now, {"window": _span(start, now)})
    count = counts.get("window", 0)
    if count < rule.threshold:
        return None
    return _window_alert(
        rule,
        now,
        f"{count} posts matching {rule.name} in the last {_human(rule.window)} (threshold {rule.threshold})",
        latest,
        {"count": count, "window": _human(rule.window), "threshold": rule.threshold},
    )


def spike(es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> Alert | None:
    rule = active.rule
    assert isinstance(rule, SpikeRule)
    start = now - rule.window
    spans = {"window": _span(start, now), "baseline": _span(start - rule.baseline, start)}
    counts, latest = _counts(es, settings, active, start - rule.baseline, now, spans)
    current, baseline = counts.get("window", 0), counts.get("baseline", 0)
    expected = baseline * rule.window.total_seconds() / rule.baseline.total_seconds()
    if current < rule.min_count or current < rule.factor * expected:
        return None
    return _window_alert(
        rule,
        now,
        (
            f"{current} posts matching {rule.name} in the last {_human(rule.window)}, "
            f"{expected:.1f} expected from the previous {_human(rule.baseline)}"
        ),
        latest,
        {"count": current, "expected": round(expected, 2), "window": _human(rule.window)},
    )


def flatline(es: Elasticsearch, settings: AlertSettings, rule: FlatlineRule, now: datetime) -> list[Alert]:
    """Channels (within the rule's filters) silent for longer than their usual gap times the factor."""
    filters = [*build_filters(rule.filters), {"range": {"date": {"gt": iso(now - rule.baseline), "lte": iso(now)}}}]
    resp = es.search(
        index=ix.posts_alias(settings),
        size=0,
        query={"bool": {"filter": filters}},
        aggs={
            "channels": {
                "terms": {"field": "channel.id", "size": 10_000},
                "aggs": {
                    "first": {"min": {"field": "date"}},
                    "last": {"max": {"field": "date"}},
                    "about": {"top_hits": {"size": 1, "_source": ["channel"], "sort": [{"date": "desc"}]}},
                },
            }
        },
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    alerts = []
    for bucket in resp.get("aggregations", {}).get("channels", {}).get("buckets", []):
        count = bucket["doc_count"]
        if count < rule.min_posts:
            continue
        first = datetime.fromtimestamp(bucket["first"]["value"] / 1000, UTC)
        last = datetime.fromtimestamp(bucket["last"]["value"] / 1000, UTC)
        usual = (last - first) / (count - 1)
        limit = max(rule.min_silence, usual * rule.factor)
        if rule.max_silence is not None:
            limit = min(limit, rule.max_silence)
        silent = now - last
        if silent <= limit:
            continue
        hits = bucket["about"]["hits"]["hits"]
        channel = (hits[0]["_source"].get("channel") if hits else None) or {"id": bucket["key"]}
        alerts.append(
            Alert(
                id=f"{rule.name}/{bucket['key']}@{iso(last)}",
                rule=rule.name,
                type=rule.type,
                fired_at=now,
                summary=(
                    f"{channel_label(channel)} silent for {_human(timedelta(seconds=int(silent.total_seconds())))} "
                    f"(usually a post every {_human(timedelta(seconds=max(int(usual.total_seconds()), 1)))}); "
                    "coverage may be lost"
                ),
                details={
                    "channel": channel,
                    "last_post": iso(last),
                    "silent_s": int(silent.total_seconds()),
                    "usual_gap_s": int(usual.total_seconds()),
                    "posts_in_baseline": count,
                },
            )
        )
    return alerts


class Frequency(RuleKind[FrequencyRule]):
    per_post = False

    def check(self, es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
        return [a for a in [frequency(es, settings, active, now)] if a]


class Spike(RuleKind[SpikeRule]):
    per_post = False

    def check(self, es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
        return [a for a in [spike(es, settings, active, now)] if a]


class Flatline(RuleKind[FlatlineRule]):
    per_post = False
    scheduled = True  # no query: every channel within the filters is watched

    def search(self, rule: FlatlineRule) -> None:
        return None

    def check(self, es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
        assert isinstance(active.rule, FlatlineRule)
        return flatline(es, settings, active.rule, now)

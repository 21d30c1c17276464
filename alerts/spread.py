"""The ``spread`` rule type: a story (near-duplicate posts, ``story`` on each post) reaches N channels
within a time of its first post, or crosses channel categories (a migrant-community rumour picked up by
an official channel, or the reverse). Counted by Elasticsearch (``search/stories.py``) when a post
matching the rule's query is indexed; one alert per rule and story (its key: ``<rule>/<story>``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from alerts.alert import Alert
from alerts.kind import ActiveRule, RuleKind
from alerts.render import channel_label
from alerts.rules import SpreadRule
from alerts.settings import AlertSettings
from alerts.state import iso
from search import index as ix
from search.hits import SearchHit, hit_to_json
from search.stories import Story, summaries

MAX_STORIES = 500  # stories looked at per check (those with the most channels in the window first)


def _recent_stories(
    es: Elasticsearch, settings: AlertSettings, active: ActiveRule, rule: SpreadRule, now: datetime
) -> list[str]:
    """Stories with a post matching the rule in the last ``within``."""
    assert active.query is not None
    since = now - rule.within
    resp = es.search(
        index=ix.posts_alias(settings),
        size=0,
        query={
            "bool": {
                "filter": [
                    active.query,
                    {"exists": {"field": "story"}},
                    {"range": {"date": {"gt": iso(since), "lte": iso(now)}}},
                ]
            }
        },
        aggs={
            "stories": {
                "terms": {"field": "story", "size": MAX_STORIES, "order": [{"spread": "desc"}, {"_count": "desc"}]},
                "aggs": {"spread": {"cardinality": {"field": "channel.id"}}},
            }
        },
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    buckets = resp.get("aggregations", {}).get("stories", {}).get("buckets", [])
    least = rule.channels if rule.channels is not None and not rule.to_category else 2
    return [str(b["key"]) for b in buckets if int(b["spread"]["value"]) >= least]


def crossing(rule: SpreadRule, story: Story) -> str | None:
    """The category the story crossed into, when the rule asks for a crossing and it happened."""
    start = story["first_channel"].get("category", "other")
    if rule.from_category and start not in rule.from_category:
        return None
    for entry in story["channel_list"]:
        category = entry["channel"].get("category", "other")
        if category != start and category in rule.to_category:
            return str(category)
    return None


def reached(rule: SpreadRule, story: Story) -> int:
    """How many channels carried the story within ``within`` of its first post."""
    return 1 + sum(1 for seconds in story["reach_s"] if seconds <= rule.within.total_seconds())


def fires(rule: SpreadRule, story: Story) -> dict[str, Any] | None:
    """The alert's details when the story meets every condition the rule sets, else None."""
    details: dict[str, Any] = {}
    if rule.channels is not None:
        count = reached(rule, story)
        if count < rule.channels:
            return None
        details["channels_within"] = count
    if rule.to_category:
        into = crossing(rule, story)
        if into is None:
            return None
        details["crossed"] = [story["first_channel"].get("category", "other"), into]
    return details


def _post(es: Elasticsearch, settings: AlertSettings, post_id: str) -> SearchHit | None:
    resp = es.search(
        index=ix.posts_alias(settings), size=1, query={"ids": {"values": [post_id]}}, ignore_unavailable=True
    )
    hits = resp["hits"]["hits"]
    return hit_to_json(hits[0]) if hits else None


def spread(es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
    rule = active.rule
    assert isinstance(rule, SpreadRule)
    alerts = []
    for story in summaries(es, settings, _recent_stories(es, settings, active, rule, now)):
        details = fires(rule, story)
        if details is None:
            continue
        first = channel_label(story["first_channel"])
        if "crossed" in details:
            what = f"crossed from {details['crossed'][0]} to {details['crossed'][1]} channels"
        else:
            what = f"reached {details['channels_within']} channels"
        details.update(
            story=story["story"],
            first=story["first"],
            first_date=story["first_date"],
            posts=story["posts"],
            channels=story["channels"],
        )
        alerts.append(
            Alert(
                id=f"{rule.name}/{story['story']}",
                rule=rule.name,
                type=rule.type,
                fired_at=now,
                summary=f"A story first posted in {first} {what} ({story['posts']} posts)",
                post=_post(es, settings, story["latest"]),
                details=details,
            )
        )
    return alerts


class Spread(RuleKind[SpreadRule]):
    per_post = False

    def check(self, es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
        return spread(es, settings, active, now)

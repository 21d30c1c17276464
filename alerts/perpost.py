"""Alerts for single posts (the per-post rule kinds: ``match``, ``official_change``): one alert per matching
post version, its summary and details from the rule's kind. The matched terms are the marks of the search
highlighter."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from alerts.alert import Alert
from alerts.kinds import kind_of
from alerts.rules import QueryRule, Rule
from alerts.settings import AlertSettings
from search.filters import SearchFilters
from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchHit, hit_to_json
from search.service import search

_MARK = re.compile(re.escape(HIGHLIGHT_PRE) + r"(.*?)" + re.escape(HIGHLIGHT_POST), re.S)


def marked_terms(post: SearchHit) -> list[str]:
    terms: dict[str, None] = {}
    for fragment in post.get("highlight") or []:
        for mark in _MARK.findall(fragment):
            terms.setdefault(mark.strip().lower(), None)
    return [t for t in terms if t]


def highlighted(es: Elasticsearch, settings: AlertSettings, rule: QueryRule, ids: list[str]) -> dict[str, SearchHit]:
    """The posts as `search --json` gives them, with the highlight of the rule's query."""
    query = rule.query_string()
    filters = SearchFilters(lang=rule.filters.lang, include_deleted=True)
    out: dict[str, SearchHit] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        result = search(es, settings, query, filters, limit=len(chunk), extra=[{"ids": {"values": chunk}}])
        out.update((post["id"], post) for post in result.hits)
    return out


def version_key(post: SearchHit, rule: Rule) -> str | None:
    """What makes this state of the post a new alert (its edit date, or its deletion): the rule kind says."""
    return kind_of(rule).version(rule, post)


def alert_key(rule: str, post_id: str, version: str | None) -> str:
    return f"{rule}/{post_id}" + (f"@{version}" if version else "")


def candidates(rule: Rule, hits: list[dict[str, Any]]) -> list[tuple[str, SearchHit]]:
    """(alert key, post) for each hit of one rule."""
    out = []
    for hit in hits:
        post = hit_to_json(hit)
        out.append((alert_key(rule.name, post["id"], version_key(post, rule)), post))
    return out


def build(
    es: Elasticsearch, settings: AlertSettings, rule: Rule, wanted: list[tuple[str, SearchHit]], now: datetime
) -> list[Alert]:
    """The alerts of one rule for the given (key, post) pairs, with matched terms and the kind's details."""
    if not wanted:
        return []
    assert isinstance(rule, QueryRule)  # per-post rules have a query
    marked = highlighted(es, settings, rule, [post["id"] for _, post in wanted])
    kind = kind_of(rule)
    alerts = []
    for key, found in wanted:
        post = marked.get(found["id"], found)
        summary, details = kind.describe(es, settings, rule, post)
        alerts.append(
            Alert(
                id=key,
                rule=rule.name,
                type=rule.type,
                fired_at=now,
                summary=summary,
                post=post,
                matched=marked_terms(post),
                details=details,
            )
        )
    return alerts

"""Alerts for single posts: a rule's match on a new or edited post, and an official channel's edit or
deletion with the text before and after. The matched terms are the marks of the search highlighter."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from alerts.alert import Alert
from alerts.render import channel_label
from alerts.rules import OfficialChangeRule, QueryRule, Rule
from search import index as ix
from search.filters import SearchFilters
from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, hit_to_json
from search.service import search

_MARK = re.compile(re.escape(HIGHLIGHT_PRE) + r"(.*?)" + re.escape(HIGHLIGHT_POST), re.S)


def marked_terms(post: dict[str, Any]) -> list[str]:
    terms: dict[str, None] = {}
    for fragment in post.get("highlight") or []:
        for mark in _MARK.findall(fragment):
            terms.setdefault(mark.strip().lower(), None)
    return [t for t in terms if t]


def highlighted(es: Elasticsearch, settings: Any, rule: QueryRule, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The posts as `search --json` gives them, with the highlight of the rule's query."""
    query = rule.query_string()
    filters = SearchFilters(lang=rule.filters.lang, include_deleted=True)
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        result = search(es, settings, query, filters, limit=len(chunk), extra=[{"ids": {"values": chunk}}])
        out.update((post["id"], post) for post in result.hits)
    return out


def version_key(post: dict[str, Any], rule: Rule) -> str | None:
    """What makes this state of the post a new alert: its edit date or its deletion."""
    if isinstance(rule, OfficialChangeRule):
        if post.get("deleted_at") and "delete" in rule.events:
            return "deleted"
        return str(post.get("edit_date") or "") or None
    return str(post["edit_date"]) if post.get("edit_date") else None


def alert_key(rule: str, post_id: str, version: str | None) -> str:
    return f"{rule}/{post_id}" + (f"@{version}" if version else "")


def previous_text(es: Elasticsearch, settings: Any, post: dict[str, Any]) -> str | None:
    """The text of the version before the current edit (from the versions index), if recorded."""
    edited = post.get("edit_date")
    filters: list[dict[str, Any]] = [{"term": {"post_id": post["id"]}}]
    if edited:
        filters.append({"range": {"version_at": {"lt": edited}}})
    resp = es.search(
        index=ix.versions_index(settings),
        query={"bool": {"filter": filters}},
        sort=[{"version_at": {"order": "desc", "missing": "_last"}}],
        size=1,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = resp["hits"]["hits"]
    return str(hits[0]["_source"].get("text") or "") if hits else None


def candidates(rule: Rule, hits: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(alert key, post) for each hit of one rule."""
    out = []
    for hit in hits:
        post = hit_to_json(hit)
        out.append((alert_key(rule.name, post["id"], version_key(post, rule)), post))
    return out


def build(
    es: Elasticsearch, settings: Any, rule: QueryRule, wanted: list[tuple[str, dict[str, Any]]], now: datetime
) -> list[Alert]:
    """The alerts of one rule for the given (key, post) pairs, with matched terms and before/after."""
    if not wanted:
        return []
    marked = highlighted(es, settings, rule, [post["id"] for _, post in wanted])
    alerts = []
    for key, found in wanted:
        post = marked.get(found["id"], found)
        where = channel_label(post.get("channel") or {})
        details: dict[str, Any] = {}
        if isinstance(rule, OfficialChangeRule):
            deleted = bool(post.get("deleted_at")) and "delete" in rule.events
            before = (post["text"] or None) if deleted else previous_text(es, settings, post)
            details = {
                "event": "delete" if deleted else "edit",
                "before": before,
                "after": None if deleted else post["text"],
            }
            summary = f"Official channel {where} {'deleted' if deleted else 'edited'} post {post['message_id']}"
        else:
            summary = f"{'Edited' if post.get('edit_date') else 'New'} post in {where} matches {rule.name}"
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

"""The ``official_change`` rule type: an edit or a deletion of a post in an official channel, reported with
the text before and after. Its query also sees deleted posts (a deletion is one of the changes)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from alerts.kind import RuleKind
from alerts.render import channel_label
from alerts.rules import OfficialChangeRule
from alerts.settings import AlertSettings
from search import index as ix
from search.filters import SearchFilters
from search.hits import SearchHit


class OfficialChange(RuleKind[OfficialChangeRule]):
    def search(self, rule: OfficialChangeRule) -> tuple[str, SearchFilters] | None:
        return rule.query_string(), rule.filters.model_copy(update={"include_deleted": True})

    def clauses(self, rule: OfficialChangeRule) -> list[dict[str, Any]]:
        changed = []
        if "edit" in rule.events:
            changed.append({"exists": {"field": "edit_date"}})
        if "delete" in rule.events:
            changed.append({"exists": {"field": "deleted_at"}})
        return [
            {"term": {"channel.category": "official"}},
            {"bool": {"should": changed, "minimum_should_match": 1}},
        ]

    def version(self, rule: OfficialChangeRule, post: SearchHit) -> str | None:
        if post.get("deleted_at") and "delete" in rule.events:
            return "deleted"
        return str(post.get("edit_date") or "") or None

    def describe(
        self, es: Elasticsearch, settings: AlertSettings, rule: OfficialChangeRule, post: SearchHit
    ) -> tuple[str, dict[str, Any]]:
        deleted = bool(post.get("deleted_at")) and "delete" in rule.events
        before = (post["text"] or None) if deleted else previous_text(es, settings, post)
        details = {
            "event": "delete" if deleted else "edit",
            "before": before,
            "after": None if deleted else post["text"],
        }
        where = channel_label(post.get("channel") or {})
        return f"Official channel {where} {'deleted' if deleted else 'edited'} post {post['message_id']}", details


def previous_text(es: Elasticsearch, settings: AlertSettings, post: SearchHit) -> str | None:
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

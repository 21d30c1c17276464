"""What the alerter needs from one rule type, and a rule as it is evaluated. ``alerts/kinds.py`` maps each
``type`` of the rules file to its ``RuleKind``; the alerter, ``alerts test`` and the rule compiler ask
that table instead of testing rule classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from elasticsearch import Elasticsearch

from alerts.alert import Alert
from alerts.render import channel_label
from alerts.rules import QueryRule, Rule, RuleBase
from alerts.settings import AlertSettings
from search.filters import SearchFilters
from search.hits import SearchHit

R = TypeVar("R", bound=RuleBase)


@dataclass(frozen=True)
class ActiveRule:
    rule: Rule
    query: dict[str, Any] | None  # the compiled query and filters; None for rules without a query

    @property
    def name(self) -> str:
        return self.rule.name


class RuleKind(Generic[R]):
    """How the rules of one type are evaluated. The defaults are a per-post rule's (``match``): its query
    runs against each batch of newly indexed posts (one search for all rules, ``alerts/evaluate.py``) and
    each matching post version fires one alert (``alerts/perpost.py``), at most one per ``realert`` period.

    A count rule sets ``per_post = False`` and implements ``check`` (Elasticsearch counts; called when a
    new post matches). A rule without a query also sets ``scheduled``: ``check`` then runs on the
    alerter's schedule instead."""

    per_post = True
    scheduled = False

    def search(self, rule: R) -> tuple[str, SearchFilters] | None:
        """The query (search language) and filters of the posts the rule watches; None: it has none."""
        assert isinstance(rule, QueryRule)
        return rule.query_string(), rule.filters

    def clauses(self, rule: R) -> list[dict[str, Any]]:
        """What a post must also be to match in a batch, beyond the rule's query and filters."""
        return []

    def version(self, rule: R, post: SearchHit) -> str | None:
        """What makes this state of a post a new alert: its edit date."""
        return str(post["edit_date"]) if post.get("edit_date") else None

    def describe(
        self, es: Elasticsearch, settings: AlertSettings, rule: R, post: SearchHit
    ) -> tuple[str, dict[str, Any]]:
        """The summary and details of the alert for one matching post."""
        where = channel_label(post.get("channel") or {})
        return f"{'Edited' if post.get('edit_date') else 'New'} post in {where} matches {rule.name}", {}

    def check(self, es: Elasticsearch, settings: AlertSettings, active: ActiveRule, now: datetime) -> list[Alert]:
        """A count rule's alerts now; a per-post rule has none here."""
        return []

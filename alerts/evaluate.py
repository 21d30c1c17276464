"""Evaluation by Elasticsearch of what was just indexed: every query rule becomes a named clause
(``_name``) of a search restricted to the batch (posts whose ``indexed_at`` lies in the window), and
``matched_queries`` on each hit says which rules it matched. The rules are grouped, RULES_PER_SEARCH to a
search, into the searches of one ``_msearch`` (fewer if the cluster's clause limit asks: halves, then
quarters...): checking every named clause against every hit made one search for 1,000 rules cost seconds.
No second matcher, no percolator (docs/architecture.md).

The service's evaluator is incremental: the alerter re-reads a long overlap behind its watermark (a post
may become searchable well after its ``indexed_at``), and matching every rule against all of it again on
every pass cost more than the rest of an alert's way. So a pass first lists the window's searchable
posts (ids and ``indexed_at`` only: cheap), and the rules are matched against those it has not matched
yet (the span of their ``indexed_at``); a post searchable in that list is in the rule search too, so it
is remembered as evaluated in that version (an edit has a new ``indexed_at``, and is evaluated again). A
change of the rules forgets it all.

Before the rule search, the rules that cannot match any post of the batch (none of the stems their query
requires is among the batch's indexed terms) are left out of it (alerts/prefilter.py): with 1,000 saved
searches a pass searches for a few dozen."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from alerts import prefilter
from alerts.kind import ActiveRule
from alerts.kinds import kind_of
from alerts.settings import AlertSettings
from alerts.state import iso
from dozor import es as des
from search import index as ix

log = logging.getLogger(__name__)

PAGE = 2000
MSEARCH_BODIES = 200  # searches per _msearch request
REMEMBERED = 200_000  # (post id, indexed_at) pairs an incremental evaluator keeps
PREFILTER_POSTS = 1000  # a batch of more posts is matched against every rule (its term vectors cost more)
RULES_PER_SEARCH = 16  # fewer than ~10 cost more requests' overhead, more than ~50 more clause checks


@dataclass(frozen=True)
class _Listed:
    """A searchable post of the window: where it is, its version, and its key (id, indexed_at)."""

    index: str
    id: str
    version: int | None
    stamp: Any

    @property
    def key(self) -> tuple[str, Any]:
        return (self.id, self.stamp)

    @classmethod
    def of(cls, hit: dict[str, Any]) -> _Listed:
        return cls(hit["_index"], hit["_id"], hit.get("_version"), hit["sort"][0])


@dataclass
class Matches:
    """Which posts of the batch each rule matched (rule name -> hits, in indexing order)."""

    by_rule: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    posts: int = 0  # hits read (posts that matched at least one rule)

    def add(self, name: str, hit: dict[str, Any]) -> None:
        self.by_rule.setdefault(name, []).append(hit)


def rule_clause(active: ActiveRule, first_seen: datetime) -> dict[str, Any]:
    """One rule as a filter clause: its query and filters, only posts indexed after it was first seen."""
    assert active.query is not None
    clauses: list[dict[str, Any]] = [active.query, {"range": {"indexed_at": {"gt": iso(first_seen)}}}]
    clauses += kind_of(active.rule).clauses(active.rule)
    return {"bool": {"filter": clauses}}


def _window(lower: datetime, upper: datetime) -> dict[str, Any]:
    return {"range": {"indexed_at": {"gt": iso(lower), "lte": iso(upper)}}}


class Evaluator:
    def __init__(
        self, es: Elasticsearch, settings: AlertSettings, *, incremental: bool = False, prefilter_rules: bool = True
    ) -> None:
        self.es = es
        self.alias = ix.posts_alias(settings)
        # Groups of rules, each a named-clause search of one _msearch: Elasticsearch checks every named
        # clause of a search against each of its hits, so the cost of one search grows with rules x hits.
        self.use_msearch = True  # False: one search for all rules (until the cluster refuses its clauses)
        self.per_search = RULES_PER_SEARCH  # the rules of each named-clause search of the _msearch
        self.incremental = incremental
        self.prefilter = prefilter_rules
        self.prefilter_above = RULES_PER_SEARCH  # fewer rules go in one search anyway: no term vectors then
        self.searched_rules = 0  # how many rules the last run searched for (after the prefilter)
        self._evaluated: OrderedDict[tuple[str, Any], None] = OrderedDict()
        self._rules_seen: Any = None
        # id of a compiled query -> (the query, kept alive so the id is not reused; its requirement)
        self._requirements: dict[int, tuple[Any, prefilter.Requirement]] = {}
        self._analyze = prefilter.elastic_analyzer(es)

    def run(
        self, rules: Sequence[ActiveRule], first_seen: dict[str, datetime], lower: datetime, upper: datetime
    ) -> Matches:
        rules = [r for r in rules if r.query is not None]
        matches = Matches()
        if not rules:
            return matches
        window = [_window(lower, upper)]
        fresh: list[_Listed] = []
        if self.incremental:
            fresh = self._unevaluated(rules, first_seen, window[0])
            if not fresh:
                return matches
            # The span of their indexed_at, not their ids: one clause (a short ids list is rewritten into a
            # clause per id, and 1,000 rules are near the cluster's clause limit). It may hold posts matched
            # before, whose keys are known: no alert fires twice.
            stamps = [listed.stamp for listed in fresh]
            window.append({"range": {"indexed_at": {"gte": min(stamps), "lte": max(stamps), "format": "epoch_millis"}}})
            batch: list[_Listed] | None = fresh
        else:
            batch = self._listed(window[0]) if self.prefilter else None
        rules = self._candidates(rules, batch)
        self.searched_rules = len(rules)
        if rules:
            named = {f"r{i}": r for i, r in enumerate(rules)}
            clauses = {key: rule_clause(r, first_seen[r.name]) for key, r in named.items()}
            matches = self._match(named, clauses, window)
        for listed in fresh:  # after the matching: a failed pass leaves them to the next one
            self._evaluated[listed.key] = None
        while len(self._evaluated) > REMEMBERED:
            self._evaluated.popitem(last=False)
        return matches

    def forget(self) -> None:
        """Match every post of the next window again (the alerts of a failed pass were not fired)."""
        self._evaluated.clear()

    def _candidates(self, rules: list[ActiveRule], batch: list[_Listed] | None) -> list[ActiveRule]:
        """The rules that could match a post of the batch (all of them when the batch's terms are unknown)."""
        if not self.prefilter or batch is None or len(batch) > PREFILTER_POSTS or len(rules) <= self.prefilter_above:
            return rules
        if len(self._requirements) > 2 * len(rules) + 100:  # forget the queries of rules reloaded since
            current = {id(r.query) for r in rules}
            self._requirements = {key: kept for key, kept in self._requirements.items() if key in current}
        needs = [self._requirement(r) for r in rules]
        fields = sorted({field for need in needs if need is not None for one_of in need for field, _ in one_of})
        if not fields:
            return rules
        posts = prefilter.post_terms(self.es, [(p.index, p.id, p.version) for p in batch], fields)
        if posts is None:
            return rules
        every = set().union(*posts)
        return [r for r, need in zip(rules, needs, strict=True) if prefilter.could_match(need, posts, every)]

    def _requirement(self, active: ActiveRule) -> prefilter.Requirement:
        key = id(active.query)  # compiled once per load: the same object until the rules are reloaded
        if key not in self._requirements:
            self._requirements[key] = (active.query, prefilter.requirement(active.query, self._analyze))
        return self._requirements[key][1]

    def _listed(self, window: dict[str, Any]) -> list[_Listed] | None:
        """The window's searchable posts, when there are few enough to prefilter the rules by their terms."""
        resp = self.es.search(
            index=self.alias, query={"bool": {"filter": [window]}}, size=PREFILTER_POSTS + 1, source=False,
            version=True, sort=[{"indexed_at": "asc"}, {"id": "asc"}], ignore_unavailable=True,
            allow_no_indices=True,
        )  # fmt: skip
        hits = resp["hits"]["hits"]
        return None if len(hits) > PREFILTER_POSTS else [_Listed.of(hit) for hit in hits]

    def _unevaluated(
        self, rules: Sequence[ActiveRule], first_seen: dict[str, datetime], window: dict[str, Any]
    ) -> list[_Listed]:
        """The window's searchable posts not evaluated yet against these rules."""
        fingerprint = [(r.name, r.query, first_seen[r.name], r.rule) for r in rules]
        if fingerprint != self._rules_seen:
            self._evaluated.clear()
            self._rules_seen = fingerprint
        listed = (_Listed.of(hit) for hit in self._pages({"bool": {"filter": [window]}}, source=False, version=True))
        return [post for post in listed if post.key not in self._evaluated]

    def _match(
        self, named: dict[str, ActiveRule], clauses: dict[str, dict[str, Any]], window: list[dict[str, Any]]
    ) -> Matches:
        matches = Matches()
        if not self.use_msearch:
            try:
                for hit in self._named(clauses, window):
                    matches.posts += 1
                    for key in hit.get("matched_queries") or []:
                        if key in named:
                            matches.add(named[key].name, hit)
                return matches
            except BadRequestError as exc:
                if "clause" not in str(exc):
                    raise
                self.use_msearch = True
                self.per_search = max(1, (len(clauses) + 1) // 2)
                log.warning(
                    "one search with %d named clauses refused (%s); using _msearch, %d rules a search",
                    len(clauses), exc, self.per_search,
                )  # fmt: skip
        while True:
            try:
                return self._grouped(named, clauses, window)
            except _TooManyClauses:
                if self.per_search == 1:
                    raise RuntimeError("_msearch refused even one rule a search: too many clauses") from None
                self.per_search = max(1, self.per_search // 2)
                log.warning("too many clauses again; %d rules a search", self.per_search)

    def _grouped(
        self, named: dict[str, ActiveRule], clauses: dict[str, dict[str, Any]], window: list[dict[str, Any]]
    ) -> Matches:
        matches = Matches()
        seen: set[str] = set()
        for hit in self._msearch(clauses, window):
            seen.add(hit["_id"])
            for key in hit.get("matched_queries") or []:
                if key in named:
                    matches.add(named[key].name, hit)
        matches.posts = len(seen)
        return matches

    def _named(self, clauses: dict[str, dict[str, Any]], window: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        should = [{"bool": {**clause["bool"], "_name": key}} for key, clause in clauses.items()]
        query = {"bool": {"filter": window, "should": should, "minimum_should_match": 1}}
        yield from self._pages(query)

    def _pages(self, query: dict[str, Any], **options: Any) -> Iterator[dict[str, Any]]:
        return des.pages(
            self.es,
            index=self.alias,
            query=query,
            sort=[{"indexed_at": "asc"}, {"id": "asc"}],
            size=PAGE,
            ignore_unavailable=True,
            allow_no_indices=True,
            **options,
        )

    def _msearch(self, clauses: dict[str, dict[str, Any]], window: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The hits of one named-clause search per ``per_search`` rules, sent together as ``_msearch``; a
        search whose first page is full is read on page by page."""
        keys = list(clauses)
        groups = [keys[i : i + self.per_search] for i in range(0, len(keys), self.per_search)]
        for start in range(0, len(groups), MSEARCH_BODIES):
            body: list[dict[str, Any]] = []
            queries: list[dict[str, Any]] = []
            for group in groups[start : start + MSEARCH_BODIES]:
                should = [{"bool": {**clauses[key]["bool"], "_name": key}} for key in group]
                queries.append({"bool": {"filter": window, "should": should, "minimum_should_match": 1}})
                body.append({"index": self.alias, "ignore_unavailable": True, "allow_no_indices": True})
                body.append({"query": queries[-1], "size": PAGE, "sort": [{"indexed_at": "asc"}, {"id": "asc"}]})
            resp = self.es.msearch(searches=body)
            for query, answer in zip(queries, resp["responses"], strict=True):
                if "error" in answer:
                    if "clause" in str(answer["error"]):
                        raise _TooManyClauses
                    raise RuntimeError(f"_msearch failed for a rule: {answer['error']}")
                hits = answer["hits"]["hits"]
                yield from hits if len(hits) < PAGE else self._pages(query)


class _TooManyClauses(Exception):
    """A search of the _msearch was refused for its number of clauses."""

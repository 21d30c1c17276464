"""The rules in force: those of the rules file, those stored through the API, and the saved searches
that carry notification settings. Each is checked once at load: its query compiles (with the search
compiler) and each notifier has what it needs; a problem names the rule and the field."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from alerts.kind import ActiveRule
from alerts.kinds import kind_of
from alerts.notifiers import check_target
from alerts.rules import Rule, RuleError, load_rules, parse_rule
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor.errors import UsageError
from search.filters import SearchFilters
from search.saved import SavedSearches
from search.service import build_query

log = logging.getLogger(__name__)

SAVED_PREFIX = "search:"  # rules made from saved searches are named search:<name>
COMPILED_KEPT = 20_000  # compiled queries remembered (the oldest go first)
_COMPILED: dict[tuple[str, str], dict[str, Any]] = {}


def compile_rule(rule: Rule, settings: AlertSettings, where: str = "") -> ActiveRule:
    label = f"{where}rule {rule.name!r}"
    for i, target in enumerate(rule.notify):
        missing = check_target(target, settings)
        if missing:
            raise RuleError(f"{label}: notify.{i}.{target.kind}: {missing}")
    watched = kind_of(rule).search(rule)
    if watched is None:
        return ActiveRule(rule, None)
    try:
        return ActiveRule(rule, _compiled(watched[0], watched[1]))
    except UsageError as exc:
        raise RuleError(f"{label}: query: {exc}") from None


def _compiled(query: str, filters: SearchFilters) -> dict[str, Any]:
    """The compiled query, remembered: the service reloads its rules every few seconds, and compiling
    1,000 saved searches each time took seconds of a loaded core from the passes."""
    key = (query, filters.model_dump_json())
    if key not in _COMPILED:
        if len(_COMPILED) >= COMPILED_KEPT:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = build_query(query, filters).query
    return _COMPILED[key]


def _parsed(data: dict[str, Any]) -> Rule:
    """The stored rule, parsed once per definition: the rules (frozen) are reloaded every few seconds. The
    key is written by the standard json module: a stored number may pass 64 bits, which orjson refuses."""
    return _parsed_json(json.dumps(data, sort_keys=True))


@lru_cache(maxsize=COMPILED_KEPT)  # an invalid rule raises, and is not remembered
def _parsed_json(definition: str) -> Rule:
    return parse_rule(json.loads(definition), "stored")


def load_file(path: Path, settings: AlertSettings) -> list[ActiveRule]:
    return [compile_rule(rule, settings, f"{path}: ") for rule in load_rules(path) if rule.enabled]


def stored(es: Elasticsearch, store: AlertStore, settings: AlertSettings, taken: set[str]) -> list[ActiveRule]:
    """API rules and notifying saved searches; one that no longer loads is skipped with a warning."""
    found: list[ActiveRule] = []
    candidates: list[tuple[str, dict[str, Any]]] = [(str(r.get("name")), r) for r in store.stored_rules()]
    for saved in SavedSearches(es, settings).list():
        if saved.active and saved.notify:
            name = SAVED_PREFIX + saved.name
            filters = saved.filters.model_dump(mode="json", exclude_defaults=True)  # since, until: ISO text
            candidates.append((name, {"name": name, "query": saved.query, "filters": filters, "notify": saved.notify}))
    for name, data in candidates:
        if name in taken:
            log.warning("rule %r is defined in the rules file and stored too; the file's wins", name)
            continue
        try:
            rule = _parsed(data)
            if rule.enabled:
                found.append(compile_rule(rule, settings, "stored "))
                taken.add(name)
        except RuleError as exc:
            log.warning("skipping %s", exc)
    return found


def load_all(es: Elasticsearch, store: AlertStore, settings: AlertSettings, path: Path | None) -> list[ActiveRule]:
    from_file = load_file(path, settings) if path is not None else []
    return from_file + stored(es, store, settings, {r.name for r in from_file})

"""`dozor alerts test RULE`: what a rule would fire on the posts indexed recently, recording nothing
(and, with --send, one test message to each of its notifiers)."""

from __future__ import annotations

from pathlib import Path

from alerts import perpost
from alerts.alert import Alert
from alerts.evaluate import Evaluator
from alerts.kinds import kind_of
from alerts.notifiers import DeliveryError, notifier_for
from alerts.ruleset import load_all
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor import es as des
from dozor.errors import DozorError, UsageError
from dozor.records import utcnow
from search.filters import parse_when


def trial(
    settings: AlertSettings, rules_path: Path | None, name: str, since: str, *, limit: int = 20, send: bool = False
) -> list[Alert]:
    try:
        start = parse_when(since)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    es = des.client(settings)
    if des.health(es) is None:
        raise des.unreachable(settings)
    rules = {r.name: r for r in load_all(es, AlertStore(es, settings), settings, rules_path)}
    if name not in rules:
        known = ", ".join(sorted(rules)) or "none"
        raise UsageError(f"no rule named {name!r} (known: {known})")
    active, now = rules[name], utcnow()
    rule = active.rule
    alerts: list[Alert]
    if not kind_of(rule).per_post:  # a count rule: what it counts now
        alerts = kind_of(rule).check(es, settings, active, now)
    else:
        begin = start or now
        matches = Evaluator(es, settings).run([active], {name: begin}, begin, now)
        found = perpost.candidates(rule, matches.by_rule.get(name, []))
        alerts = perpost.build(es, settings, rule, found[-limit:], now)
    if send and alerts:
        test = alerts[0].model_copy(update={"id": "test:" + alerts[0].id, "summary": "[test] " + alerts[0].summary})
        for i, target in enumerate(rule.notify):
            try:
                notifier_for(target, settings).send(test)
            except DeliveryError as exc:
                raise DozorError(f"notify.{i}.{target.kind}: {exc}") from None
    return alerts

"""The alerter's evaluation against the real node: the one named-clause search, the grouped _msearch
and the incremental evaluator find the same matches; the prefilter leaves out only rules that cannot
match the batch (alerts/evaluate.py, alerts/prefilter.py). The fixture and posts: test_alerts_e2e.py."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from test_alerts_e2e import MEDIA, OFFICIAL, OTHER, QUIET, REVOKE, REVOKE_EDITED, RULES, Bench, bench, iso, post

from alerts.evaluate import Evaluator, Matches
from dozor.records import utcnow

pytestmark = pytest.mark.integration
__all__ = ["bench"]  # the fixture, shared with test_alerts_e2e.py


def test_msearch_fallback_finds_what_the_named_clause_search_finds(bench: Bench) -> None:
    bench.alerter().drain()
    base = int(time.time())
    edited = iso(utcnow())
    bench.publish([post(OFFICIAL, base, REVOKE), post(OFFICIAL, base + 1, OTHER), post(MEDIA, base + 2, REVOKE)])
    bench.publish([post(OFFICIAL, base + 1, OTHER + "!", event="edit", edit_date=edited)])
    alerter = bench.alerter()
    try:
        alerter.load()
        evaluator = Evaluator(alerter.es, bench.settings)
        evaluator.use_msearch = False  # one search for all rules
        upper = utcnow()
        named = evaluator.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
        evaluator.use_msearch = True
        fallback = evaluator.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
    finally:
        alerter.close()

    def ids(matches: Matches) -> dict[str, list[str]]:
        return {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}

    assert (
        ids(named)
        == ids(fallback)
        == {
            "revocation": [f"tg:{OFFICIAL}:{base}"],
            "official-edits": [f"tg:{OFFICIAL}:{base + 1}"],
        }
    )


def test_msearch_groups_of_rules_find_what_one_search_finds(bench: Bench) -> None:
    """Past the clause limit the rules are split over the named-clause searches of one _msearch."""
    bench.alerter().drain()
    base = int(time.time()) + 100
    bench.publish([post(OFFICIAL, base, REVOKE), post(OFFICIAL, base + 1, OTHER), post(MEDIA, base + 2, REVOKE)])
    alerter = bench.alerter()
    try:
        alerter.load()
        upper = utcnow()
        found: dict[int, dict[str, list[str]]] = {}
        for per_search in (0, 1, 2):  # 0: the one search
            evaluator = Evaluator(alerter.es, bench.settings)
            evaluator.use_msearch, evaluator.per_search = per_search > 0, max(per_search, 1)
            matches = evaluator.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
            found[per_search] = {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}
    finally:
        alerter.close()
    assert found[0] == found[1] == found[2] and found[0]["revocation"] == [f"tg:{OFFICIAL}:{base}"]


def test_incremental_evaluator_matches_each_post_version_once(bench: Bench) -> None:
    bench.alerter().drain()
    base = int(time.time()) + 200
    bench.publish([post(OFFICIAL, base, REVOKE), post(MEDIA, base + 1, OTHER)])
    alerter = bench.alerter()
    try:
        alerter.load()
        evaluator = Evaluator(alerter.es, bench.settings, incremental=True)

        def run() -> dict[str, list[str]]:
            upper = utcnow()
            matches = evaluator.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
            return {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}

        first = run()
        again = run()  # nothing new since: no rule search, no match
        bench.publish([post(OFFICIAL, base, REVOKE_EDITED, event="edit", edit_date=iso(utcnow()))])
        after_edit = run()  # the edit is a new version (a new indexed_at): matched again
        alerter.load()  # the same rules reloaded: what was matched stays matched
        evaluator_reloaded = run()
    finally:
        alerter.close()
    assert first["revocation"] == [f"tg:{OFFICIAL}:{base}"]
    assert again == {}
    assert after_edit["revocation"] == [f"tg:{OFFICIAL}:{base}"]
    assert evaluator_reloaded == {}


def test_prefilter_leaves_out_only_rules_that_cannot_match(bench: Bench) -> None:
    """The rule search carries only the rules whose required stems are among the batch's indexed terms,
    and finds exactly what the search with every rule finds (negations, phrases and OR lists included)."""
    hook = f'{{url: "{bench.hook.url}", secret_env: TEST_ALERT_SECRET}}'
    extra = {
        "absent": "Нукус AND повестка",  # a place no post names: left out
        "absent-or": "Хорог OR Кулоб",
        "phrase": '"лишении гражданства"',  # a phrase: always searched
        "negation": "NOT погода",  # nothing required: always searched
        "either": "дождь OR Нукус",
        "and-not": "указ AND NOT погода",
        "text-absent": "text:Нукус AND NOT указ",  # a match on the standard-analysed text: left out
        "text-present": "text:Дождь",
    }
    lines = "".join(
        f"  - name: {name}\n    query: '{q}'\n    notify: [{{webhook: {hook}}}]\n" for name, q in extra.items()
    )
    bench.rules.write_text(RULES.format(hook=bench.hook.url) + lines, encoding="utf-8")
    bench.alerter().drain()
    base = int(time.time()) + 300
    bench.publish([post(OFFICIAL, base, REVOKE), post(MEDIA, base + 1, OTHER), post(QUIET, base + 2, REVOKE_EDITED)])
    alerter = bench.alerter()
    try:
        alerter.load()
        upper = utcnow()
        found: dict[bool, dict[str, list[str]]] = {}
        searched: dict[bool, int] = {}
        for prefilter in (False, True):
            evaluator = Evaluator(alerter.es, bench.settings, prefilter_rules=prefilter)
            evaluator.prefilter_above = 0  # these few rules too
            matches = evaluator.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
            found[prefilter] = {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}
            searched[prefilter] = evaluator.searched_rules
        incremental = Evaluator(alerter.es, bench.settings, incremental=True)
        incremental.prefilter_above = 0
        matches = incremental.run(alerter.rules, alerter.first_seen, upper - timedelta(hours=1), upper)
        found_incremental = {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}
    finally:
        alerter.close()
    assert found[True] == found[False] == found_incremental
    assert found[True]["either"] == [f"tg:{MEDIA}:{base + 1}"]
    assert found[True]["and-not"] == sorted([f"tg:{OFFICIAL}:{base}", f"tg:{QUIET}:{base + 2}"])
    assert set(found[True]["negation"]) >= {f"tg:{OFFICIAL}:{base}", f"tg:{QUIET}:{base + 2}"}
    assert found[True]["text-present"] == [f"tg:{MEDIA}:{base + 1}"]
    assert not {"absent", "absent-or", "text-absent"} & set(found[True])
    assert searched[False] == len([r for r in alerter.rules if r.query is not None])
    assert searched[True] == searched[False] - 3 == incremental.searched_rules  # the three absent ones

"""Rules files: the schema, and errors that name the rule and the field."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest

from alerts.kinds import KINDS
from alerts.rules import (
    FlatlineRule,
    FrequencyRule,
    MatchRule,
    OfficialChangeRule,
    Rule,
    RuleError,
    load_rules,
    parse_rules,
)
from alerts.ruleset import _parsed, compile_rule, load_file
from alerts.settings import AlertSettings

EXAMPLE = Path(__file__).parents[2] / "alerts" / "examples" / "rules.example.yaml"


def rules_of(text: str, tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_design_example_loads(tmp_path: Path) -> None:
    path = rules_of(
        """
rules:
  - name: sakharovo-recruitment
    query: 'Сахарово AND контракт'
    filters: {category: [official], lang: [ru]}
    notify:
      - webhook: {url: "http://127.0.0.1:8080/hook", secret_env: DOZOR_WEBHOOK_SECRET}
      - email: {to: ["desk@example.org"]}
      - telegram: {chat_id: "-100123"}
""",
        tmp_path,
    )
    [rule] = load_rules(path)
    assert isinstance(rule, MatchRule)
    assert rule.filters.category == ["official"] and rule.filters.lang == ["ru"]
    assert [n.kind for n in rule.notify] == ["webhook", "email", "telegram"]
    assert rule.query_string() == "(Сахарово AND контракт)"


def test_every_rule_type_and_durations() -> None:
    rules = parse_rules(
        {
            "rules": [
                {"name": "kw", "keywords": ["лишение гражданства", 'say "no"'], "realert": "10m"},
                {"name": "freq", "type": "frequency", "query": "повестка", "threshold": 5, "window": "1h"},
                {"name": "quiet", "type": "flatline", "filters": {"category": "official"}, "min_silence": 90},
                {"name": "changes", "type": "official_change", "events": ["delete"]},
            ]
        },
        "inline",
    )
    kw, freq, quiet, changes = rules
    assert isinstance(kw, MatchRule) and kw.realert == timedelta(minutes=10)
    assert kw.query_string() == '("лишение гражданства" OR "say \\"no\\"")'
    assert isinstance(freq, FrequencyRule) and freq.window == timedelta(hours=1)
    assert isinstance(quiet, FlatlineRule) and quiet.min_silence == timedelta(seconds=90)
    assert quiet.filters.category == ["official"]
    assert isinstance(changes, OfficialChangeRule) and changes.query_string() == "*"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "r1"}, "rule #1 'r1': (rule): a match rule needs a query or keywords"),
        ({"name": "r1", "query": "x", "notify": [{"webhook": {"url": "not a url"}}]}, "'r1': notify.0.webhook.url"),
        ({"name": "r1", "query": "x", "notify": [{"webhook": {"url": "http://h"}, "email": {"to": ["a@b"]}}]},
         "notify.0: each notify entry names exactly one of webhook, email, telegram"),
        ({"name": "r1", "query": "x", "notify": [{"email": {"to": ["nobody"]}}]}, "notify.0.email.to: not an email"),
        ({"name": "r1", "type": "frequency", "query": "x", "window": "soon", "threshold": 2},
         "'r1': window: expected a duration such as 10m"),
        ({"name": "r1", "type": "frequency", "query": "x", "window": "99999999999999999999d", "threshold": 2},
         "'r1': window: a duration must be at most 36525 days"),
        ({"name": "r1", "type": "frequency", "query": "x", "window": 1e300, "threshold": 2},
         "'r1': window: a duration must be at most 36525 days"),
        ({"name": "r1", "type": "frequency", "query": "x", "window": -60, "threshold": 2},
         "'r1': window: a duration cannot be negative"),
        ({"name": "r1", "type": "frequency", "query": "x", "window": "1h"}, "'r1': threshold: Field required"),
        ({"name": "r1", "type": "percolate", "query": "x"}, "'r1': (rule): Input tag 'percolate'"),
        ({"name": "r1", "query": "x", "filters": {"language": ["ru"]}}, "'r1': filters.language: Extra inputs"),
        ({"name": "bad name!", "query": "x"}, "'bad name!': name: String should match pattern"),
    ],
)  # fmt: skip
def test_errors_name_the_rule_and_field(rule: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules({"rules": [rule]}, "rules.yaml")
    assert str(caught.value).startswith("rules.yaml: rule #1")
    assert message in str(caught.value)


def test_duplicate_names_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule #2 'a': name: used twice"):
        parse_rules({"rules": [{"name": "a", "query": "x"}, {"name": "a", "query": "y"}]}, "f")
    with pytest.raises(RuleError, match="unknown top-level key"):
        parse_rules({"rule": []}, "f")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(rules_of("rules: [", tmp_path))
    with pytest.raises(RuleError, match="cannot read the rules file"):
        load_rules(tmp_path / "missing.yaml")


def test_query_syntax_and_missing_settings_are_refused_at_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [bad] = parse_rules({"rules": [{"name": "r", "query": "text:("}]}, "f")
    with pytest.raises(RuleError, match="rule 'r': query: query error"):
        compile_rule(bad, AlertSettings())
    [mail] = parse_rules({"rules": [{"name": "m", "query": "x", "notify": [{"email": {"to": "a@b.org"}}]}]}, "f")
    with pytest.raises(RuleError, match=re.escape("rule 'm': notify.0.email: setting DOZOR_SMTP_HOST")):
        compile_rule(mail, AlertSettings())
    [bot] = parse_rules({"rules": [{"name": "t", "query": "x", "notify": [{"telegram": {"chat_id": 5}}]}]}, "f")
    with pytest.raises(RuleError, match=re.escape("notify.0.telegram: setting DOZOR_TELEGRAM_BOT_TOKEN")):
        compile_rule(bot, AlertSettings())
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    hook = {"name": "w", "query": "x", "notify": [{"webhook": {"url": "http://h/x", "secret_env": "NO_SUCH_SECRET"}}]}
    with pytest.raises(RuleError, match=re.escape("notify.0.webhook: environment variable NO_SUCH_SECRET")):
        compile_rule(parse_rules({"rules": [hook]}, "f")[0], AlertSettings())


def test_compiled_rule_uses_the_search_compiler() -> None:
    [rule] = parse_rules({"rules": [{"name": "r", "query": "гражданство", "filters": {"category": "official"}}]}, "f")
    compiled = compile_rule(rule, AlertSettings()).query
    assert compiled is not None
    text = str(compiled)
    assert "text_stem" in text and "channel.category" in text and "deleted_at" in text


def test_example_rules_file_loads() -> None:
    rules = load_file(EXAMPLE, AlertSettings())
    assert {r.rule.type for r in rules} >= {"match", "official_change"}


def test_every_rule_type_of_the_schema_has_one_kind() -> None:
    models = get_args(get_args(Rule)[0])  # Annotated[Union[...], discriminator]
    assert {get_args(m.model_fields["type"].annotation)[0] for m in models} == set(KINDS)
    assert {t for t, k in KINDS.items() if k.per_post} == {"match", "official_change"}
    assert {t for t, k in KINDS.items() if k.scheduled} == {"flatline"}


def test_official_change_rules_see_deleted_posts_and_flatline_rules_have_no_query() -> None:
    rules = parse_rules(
        {"rules": [{"name": "o", "type": "official_change", "query": "x"}, {"name": "f", "type": "flatline"}]}, "f"
    )
    official, flat = (compile_rule(r, AlertSettings()) for r in rules)
    assert official.query is not None and "deleted_at" not in str(official.query)
    assert flat.query is None


def test_a_stored_rule_with_a_number_past_64_bits_is_refused_by_name() -> None:
    # The reload's parse cache once keyed stored rules with orjson, which raises TypeError on such a number:
    # the rules API answered 500. Now the key is written, and the count is refused naming its field.
    with pytest.raises(RuleError, match="threshold: Input should be less than or equal to 1000000000"):
        _parsed({"name": "big", "type": "frequency", "query": "Сахарово", "threshold": 2**70, "window": "1h"})
    rule = _parsed({"name": "ok", "type": "frequency", "query": "Сахарово", "threshold": 10**9, "window": "1h"})
    assert isinstance(rule, FrequencyRule)
    assert rule.threshold == 10**9

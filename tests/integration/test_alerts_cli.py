"""The alert commands as a user runs them: `dozor alert --rules FILE --drain`, `dozor alerts list`,
`dozor alerts test RULE`, `dozor alerts ack ID`; bad rules are one line naming the rule and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.receiver import WebhookReceiver
from cli.main import build
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce

pytestmark = pytest.mark.integration


def dozor(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_alert_drain_list_test_and_ack(env_settings: DozorSettings, tmp_path: Path) -> None:
    ss = SearchSettings(topic_prefix=env_settings.topic_prefix, index_prefix=env_settings.index_prefix)
    rules = tmp_path / "rules.yaml"
    with WebhookReceiver() as hook:
        rules.write_text(
            f'rules:\n  - name: raids\n    query: рейд\n    notify:\n      - webhook: {{url: "{hook.url}"}}\n',
            encoding="utf-8",
        )
        try:
            assert dozor("alert", "--rules", str(rules), "--drain")[0] == 0  # no index yet: nothing to do
            produce(ss, dk.ENRICHED, [
                enriched(41, 1, "Рейды на рынках Подмосковья", "ru", username="raids_news"),
                enriched(41, 2, "Погода на выходные", "ru", username="raids_news"),
            ])  # fmt: skip
            drain_index(ss)
            code, _, err = dozor("alert", "--rules", str(rules), "--drain")
            assert code == 0 and "1 alerts fired" in err
            assert [r.body["post"]["id"] for r in hook.received] == ["tg:41:1"]

            code, out, _ = dozor("alerts", "list", "--json")
            [listed] = [json.loads(line) for line in out.splitlines()]
            assert listed["id"] == "raids/tg:41:1" and listed["status"] == "sent"
            code, out, err = dozor("alerts", "test", "raids", "--rules", str(rules), "--json")
            assert code == 0 and "1 alert(s) would fire" in err and len(out.splitlines()) == 1
            assert len(hook.received) == 1  # a test sends nothing unless --send
            assert dozor("alerts", "ack", listed["id"])[0] == 0
            assert dozor("alerts", "list", "--unacked")[1] == ""
            code, _, err = dozor("alerts", "ack", "nope")
            assert code == 2 and "no alert with id 'nope'" in err
        finally:
            drop_indices(des.client(ss), ss)


def test_bad_rules_are_one_line_naming_rule_and_field(env_settings: DozorSettings, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: wave\n    type: frequency\n    query: x\n    window: 1h\n", encoding="utf-8")
    code, _, err = dozor("alert", "--rules", str(rules), "--drain")
    assert code == 2 and err.count("\n") == 1 and "rule #1 'wave': threshold: Field required" in err
    rules.write_text("rules:\n  - name: broken\n    query: 'text:('\n", encoding="utf-8")
    code, _, err = dozor("alert", "--rules", str(rules), "--drain")
    assert code == 2 and "rule 'broken': query: query error" in err and "Traceback" not in err

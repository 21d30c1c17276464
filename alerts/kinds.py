"""One table from a rule's ``type`` to how it is evaluated (``alerts/kind.py`` says what a kind provides).
A new rule type is its model in ``alerts/rules.py`` (the schema of the rules file), one module with its
``RuleKind``, one line here, and tests."""

from __future__ import annotations

from typing import Any

from alerts.aggregate import Flatline, Frequency, Spike
from alerts.kind import RuleKind
from alerts.official import OfficialChange
from alerts.rules import Rule
from alerts.spread import Spread

KINDS: dict[str, RuleKind[Any]] = {
    "match": RuleKind(),
    "official_change": OfficialChange(),
    "frequency": Frequency(),
    "spike": Spike(),
    "flatline": Flatline(),
    "spread": Spread(),
}


def kind_of(rule: Rule) -> RuleKind[Any]:
    return KINDS[rule.type]

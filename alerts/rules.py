"""Alert rules: the schema of the rules file (and of rules stored through the API), validated at load
with errors that name the rule and the field.

Rule types: ``match`` (per post: a query or a keyword list, the default), ``frequency`` (>= N matching
posts in a window), ``spike`` (window count against a trailing baseline), ``flatline`` (a channel silent
for longer than its usual pattern), ``official_change`` (an edit or deletion in an official channel) and
``spread`` (a story reaches N channels within a time, or crosses channel categories).
How each type is evaluated: the table in ``alerts/kinds.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from dozor import yaml_text
from dozor.errors import UsageError
from dozor.records import Category
from search.filters import SearchFilters

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
LONGEST = timedelta(days=36_525)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(value: Any) -> Any:
    """'90s', '10m', '2h', '7d', '1w' or a number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 10m, 2h or 7d")
    if isinstance(value, int | float):
        return _seconds(value)
    if isinstance(value, str):
        found = _DURATION.match(value)
        if not found:
            raise ValueError(f"expected a duration such as 10m, 2h or 7d, got {value!r}")
        return _seconds(float(found.group(1)) * _UNITS[found.group(2)])
    return value


def _seconds(value: float) -> timedelta:
    # Bounded so that the time a rule looks back to stays a date (now - 1e9 days is not one): a
    # ValueError, which pydantic reports against the field, not an OverflowError out of the API.
    if not value >= 0:  # NaN too
        raise ValueError("a duration cannot be negative")
    if value > LONGEST.total_seconds():
        raise ValueError(f"a duration must be at most {LONGEST.days} days (100 years)")
    return timedelta(seconds=value)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int) else value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
StrList = Annotated[list[str], BeforeValidator(_as_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookTarget(_Strict):
    url: AnyHttpUrl
    secret_env: str | None = Field(None, description="environment variable holding the HMAC secret")
    headers: dict[str, str] = Field(default_factory=dict)


class EmailTarget(_Strict):
    to: Annotated[list[str], BeforeValidator(_as_list)] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or address.strip() != address:
                raise ValueError(f"not an email address: {address!r}")
        return value


class TelegramTarget(_Strict):
    chat_id: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]


class Notify(_Strict):
    """One notification target: exactly one of webhook, email, telegram."""

    webhook: WebhookTarget | None = None
    email: EmailTarget | None = None
    telegram: TelegramTarget | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Notify:
        given = [k for k in ("webhook", "email", "telegram") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("each notify entry names exactly one of webhook, email, telegram")
        return self

    @property
    def kind(self) -> str:
        return "webhook" if self.webhook else "email" if self.email else "telegram"


# A count in a rule past this is a typo; bounding it also keeps every stored number within 64 bits.
MAX_COUNT = 1_000_000_000


class RuleBase(_Strict):
    name: str = Field(pattern=r"^[\w][\w.:\-]{0,199}$")
    description: str = ""
    enabled: bool = True
    filters: SearchFilters = Field(default_factory=SearchFilters)
    notify: list[Notify] = Field(default_factory=list)
    realert: Duration | None = Field(
        None, description="at most one notification of this rule per period (aggregates: the window)"
    )


class QueryRule(RuleBase):
    """A rule that watches the posts a query (or a keyword list) finds."""

    query: str | None = None
    keywords: StrList = Field(default_factory=list)

    @model_validator(mode="after")
    def _query_or_keywords(self) -> QueryRule:
        if self.query is not None and not self.query.strip():
            raise ValueError("query is empty")
        if any(not k.strip() for k in self.keywords):
            raise ValueError("keywords: an empty keyword")
        return self

    def query_string(self) -> str:
        """The rule as one query of the search language: the query, AND any of the keywords."""
        parts = []
        if self.query is not None:
            parts.append(f"({self.query})")
        if self.keywords:
            parts.append("(" + " OR ".join(_quote(k) for k in self.keywords) + ")")
        return " AND ".join(parts) if parts else "*"


def _quote(keyword: str) -> str:
    return '"' + keyword.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MatchRule(QueryRule):
    type: Literal["match"] = "match"

    @model_validator(mode="after")
    def _needs_query(self) -> MatchRule:
        if self.query is None and not self.keywords:
            raise ValueError("a match rule needs a query or keywords")
        return self


class FrequencyRule(QueryRule):
    type: Literal["frequency"]
    threshold: int = Field(ge=1, le=MAX_COUNT, description="fire at this many matching posts in the window")
    window: Duration


class SpikeRule(QueryRule):
    type: Literal["spike"]
    window: Duration
    baseline: Duration = Field(default=timedelta(days=1), description="trailing period before the window")
    factor: float = Field(3.0, gt=1.0, description="fire when the window count is this many times the baseline")
    min_count: int = Field(3, ge=1, le=MAX_COUNT, description="and at least this many posts in the window")


class FlatlineRule(RuleBase):
    type: Literal["flatline"]
    baseline: Duration = Field(default=timedelta(days=7), description="history that sets a channel's pattern")
    factor: float = Field(3.0, gt=0, description="silent for this many usual gaps")
    min_silence: Duration = Field(default=timedelta(hours=1), description="never fire under this silence")
    max_silence: Duration | None = Field(None, description="fire past this silence whatever the pattern")
    min_posts: int = Field(5, ge=2, le=MAX_COUNT, description="channels with fewer posts in the baseline are skipped")


class SpreadRule(QueryRule):
    """A story (near-duplicate posts) that reaches ``channels`` channels within ``within`` of its first post,
    and/or whose channels cross from a ``from_category`` into a ``to_category``."""

    type: Literal["spread"]
    channels: int | None = Field(None, ge=2, le=MAX_COUNT, description="fire when the story reaches this many channels")
    within: Duration = Field(default=timedelta(hours=24), description="of the story's first post")
    from_category: StrList = Field(default_factory=list, description="where the story started (empty: anywhere)")
    to_category: StrList = Field(default_factory=list, description="fire when a channel of these categories carries it")

    @model_validator(mode="after")
    def _a_condition(self) -> SpreadRule:
        if self.channels is None and not self.to_category:
            raise ValueError("a spread rule needs channels (a count) or to_category (a crossing)")
        known = set(get_args(Category))
        for name in (*self.from_category, *self.to_category):
            if name not in known:
                raise ValueError(f"unknown category {name!r}; expected one of {', '.join(sorted(known))}")
        return self


ChangeEvent = Literal["edit", "delete"]
CHANGE_EVENTS: tuple[ChangeEvent, ...] = ("edit", "delete")


class OfficialChangeRule(QueryRule):
    type: Literal["official_change"]
    events: list[ChangeEvent] = Field(default_factory=lambda: list(CHANGE_EVENTS), min_length=1)


Rule = Annotated[
    MatchRule | FrequencyRule | SpikeRule | FlatlineRule | OfficialChangeRule | SpreadRule, Field(discriminator="type")
]
_RULE: TypeAdapter[Rule] = TypeAdapter(Rule)


class RuleError(UsageError):
    """A rule that cannot be used: names the source, the rule and the field."""


def _error_text(exc: ValidationError, kind: Any) -> str:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        # The discriminator adds the type name as the first location part; it is noise here.
        if loc and loc[0] == kind:
            loc = loc[1:]
        field = ".".join(loc) or "(rule)"
        problems.append(f"{field}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def parse_rule(data: Any, where: str = "rule") -> Rule:
    if not isinstance(data, dict):
        raise RuleError(f"{where}: expected a mapping with name, query, notify...")
    data = {"type": "match", **data}
    label = f"{where} {data['name']!r}" if isinstance(data.get("name"), str) else where
    try:
        return _RULE.validate_python(data)
    except ValidationError as exc:
        raise RuleError(f"{label}: {_error_text(exc, data['type'])}") from None


def parse_rules(document: Any, source: str) -> list[Rule]:
    if document is None:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("rules", []), list):
        raise RuleError(f"{source}: expected a mapping with a list `rules:`")
    unknown = set(document) - {"rules"}
    if unknown:
        raise RuleError(f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))}; expected `rules:`")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, data in enumerate(document.get("rules") or []):
        rule = parse_rule(data, f"{source}: rule #{i + 1}")
        if rule.name in seen:
            raise RuleError(f"{source}: rule #{i + 1} {rule.name!r}: name: used twice; names must be unique")
        seen.add(rule.name)
        rules.append(rule)
    return rules


def load_rules(path: Path) -> list[Rule]:
    """Read and validate a rules file (schema only; see checks.check_rules for queries and settings)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{path}: cannot read the rules file ({exc.strerror or exc})") from None
    try:
        document = yaml_text.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_rules(document, str(path))

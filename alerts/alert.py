"""A fired alert as it travels: to the notifiers, to the Kafka topic `alerts` and into `dozor-alerts`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from search.hits import SearchHit


class Alert(BaseModel):
    """What every notifier receives. ``post`` is the post as `dozor search --json` gives it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="the alert key: rule + post (+ version), or rule + period for aggregates")
    rule: str
    type: str = Field(description="the rule type: match, frequency, spike, flatline, official_change")
    fired_at: datetime
    summary: str
    post: SearchHit | None = None
    matched: list[str] = Field(default_factory=list, description="the terms that matched")
    details: dict[str, Any] = Field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

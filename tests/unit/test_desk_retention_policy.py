"""Retention policies: which policy governs a post, what it asks of it as it ages, and a bad file
refused naming the policy, the field and the fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dozor.errors import ConfigError
from search.retention_policy import Due, PolicyFile, due, load_policies

NOW = datetime(2026, 12, 3, tzinfo=UTC)
FILE = {
    "policies": [
        {
            "name": "community",
            "category": ["migrant_community"],
            "redact_after_days": 30,
            "delete_after_days": 365,
            "media_days": 90,
        },
        {"name": "official", "category": ["official"], "keep": True},
        {"name": "one-channel", "channel": ["Tajik_Help", 555], "delete_after_days": 10},
    ]
}


def post(date: str, **kw: object) -> dict[str, object]:
    return {"date": date, "media": [{"sha256": "ab" * 32, "status": "stored"}], **kw}


def test_a_channel_policy_wins_over_its_category() -> None:
    policies = PolicyFile.model_validate(FILE)
    assert [p.name for p in policies.ordered()] == ["one-channel", "community", "official"]
    named = policies.governing({"username": "tajik_help", "category": "migrant_community"})
    by_id = policies.governing({"id": 555, "category": "official"})
    assert named is not None and named.name == "one-channel" and by_id is not None and by_id.name == "one-channel"
    community = policies.governing({"username": "x", "category": "migrant_community"})
    assert community is not None and community.name == "community"
    assert policies.governing({"username": "x", "category": "media"}) is None


def test_what_a_policy_asks_as_a_post_ages() -> None:
    community, official, _ = PolicyFile.model_validate(FILE).policies
    assert due(community, post("2026-11-20T00:00:00Z"), NOW) == Due()
    assert due(community, post("2026-10-01T00:00:00Z"), NOW) == Due(redact=True)
    assert due(community, post("2026-08-01T00:00:00Z"), NOW) == Due(redact=True, expire_media=True)
    assert due(community, post("2026-08-01T00:00:00Z", redacted_at="2026-09-01"), NOW) == Due(expire_media=True)
    assert due(community, post("2025-11-01T00:00:00Z"), NOW) == Due(delete=True)
    assert not due(
        community, {"date": "2026-08-01T00:00:00Z", "redacted_at": "x", "media": [{"status": "expired"}]}, NOW
    )
    assert not due(official, post("2020-01-01T00:00:00Z"), NOW)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("policies:\n  - {name: a, category: [x], keep: true, delete_after_days: 3}\n", r"policies\[0\] \(a\): .*keep"),
        ("policies:\n  - {name: a, delete_after_days: 3}\n", r"policies\[0\] \(a\): name a `category` or a `channel`"),
        ("policies:\n  - {name: a, category: [x]}\n", r"give redact_after_days, delete_after_days or media_days"),
        ("policies:\n  - {name: a, category: [x], redact_after_days: 9, delete_after_days: 5}\n", r"below delete"),
        ("policies:\n  - {name: a, category: [x], delete_after_days: -1}\n", r"policies\[0\] \(a\)\.delete_after_days"),
        ("policies:\n  - {name: a, category: [x], purge: 3}\n", r"policies\[0\] \(a\)\.purge: Extra inputs"),
    ],
)
def test_a_bad_policy_file_names_the_policy_field_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "retention.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_policies(path)
    assert "search/README.md" in str(err.value)


def test_the_command_stops_at_a_bad_file_or_duration_even_as_a_service(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import build

    bad = tmp_path / "retention.yaml"
    bad.write_text("policies: []\n", encoding="utf-8")
    for extra in ([], ["--every", "1s"]):
        result = CliRunner().invoke(build(), ["retention", "apply", "--policies", str(bad), *extra])
        assert result.exit_code == 2 and "policies: List should have at least 1 item" in result.output
    result = CliRunner().invoke(build(), ["retention", "apply", "--policies", str(bad), "--every", "0h"])
    assert result.exit_code == 2 and "give a duration like 30m" in result.output

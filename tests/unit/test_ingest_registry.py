"""The channel registry: references, validation errors that name the file, the entry and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from dozor.errors import ConfigError
from ingest import registry as reg

EXAMPLE = Path(__file__).resolve().parents[2] / "ingest" / "samples" / "channels.example.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_registry_loads_and_is_marked_as_examples() -> None:
    registry = reg.load(EXAMPLE)
    assert len(registry.enabled) == 12
    assert all("example" in c.label.lower() or not c.enabled or "EXAMPLE" in c.notes for c in registry.channels)
    assert {c.category for c in registry.channels} == {"official", "migrant_community", "media", "other"}
    assert {c.country for c in registry.enabled} == {"RU", "UZ", "TJ", "KG", "KZ"}


def test_references_are_normalized(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
channels:
  - channel: "https://t.me/Some_Channel"
  - channel: "-1001790000055"
  - channel: 1790000056
  - channel: "t.me/+AbCdEfGh12345"
    category: migrant_community
    enabled: false
""",
    )
    registry = reg.load(path)
    assert [c.channel for c in registry.channels] == ["@Some_Channel", 1790000055, 1790000056, "t.me/+AbCdEfGh12345"]
    assert registry.find("some_channel") is registry.channels[0]
    assert registry.find("-1001790000055") is None and registry.find("1790000055") is registry.channels[1]
    assert registry.channels[3].is_invite and len(registry.enabled) == 3


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('  - {channel: "@ok_channel", category: offical}', ["entry 1 (@ok_channel)", "category", "official"]),
        ('  - {channel: "not a channel!"}', ["entry 1 (not a channel!)", "channel", "@username"]),
        ("  - {category: media}", ["entry 1", "channel: required", "@username"]),
        ('  - {channel: "@ok_channel", country: russia}', ["country", "RU"]),
        ('  - {channel: "@ok_channel", languages: [Russian]}', ["languages", "ISO 639-1"]),
        ('  - {channel: "@ok_channel", enabld: false}', ["enabld", "unknown key", "enabled"]),
        ('  - {channel: "@ok_channel"}\n  - {channel: "@OK_channel"}', ["entry 2", "duplicate of entry 1"]),
        ('  - {channel: "@ok_channel", media: videos}', ["entry 1 (@ok_channel)", "media", "none, photos, documents"]),
        ('  - {channel: "@ok_channel", max_media_mb: 0}', ["max_media_mb", "above 0", "e.g. 20"]),
        ('  - {channel: "@ok_channel", max_media_mb: big}', ["max_media_mb", "'big'", "megabytes"]),
        ('  - {channel: "@ok_channel", max_media_mb: 99999}', ["max_media_mb", "up to 4000"]),
    ],
)
def test_errors_name_file_entry_and_fix(tmp_path: Path, entry: str, expected: list[str]) -> None:
    path = write(tmp_path, "channels:\n" + entry + "\n")
    with pytest.raises(ConfigError) as err:
        reg.load(path)
    message = str(err.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such registry file"):
        reg.load(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        reg.load(write(tmp_path, "channels: [unclosed"))
    with pytest.raises(ConfigError, match="`channels:` list"):
        reg.load(write(tmp_path, "- just a list"))


def test_media_options_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
channels:
  - channel: "@default_media"
  - channel: "@photos_only"
    media: photos
    max_media_mb: 5
  - channel: "@everything"
    media: all
    max_media_mb: 1.5
  - channel: "@no_media"
    media: no
""",
    )
    registry = reg.load(path)
    got = [(c.media, c.max_media_mb, c.max_media_bytes) for c in registry.channels]
    assert got == [
        ("documents", 20.0, 20 * 1024 * 1024),
        ("photos", 5.0, 5 * 1024 * 1024),
        ("all", 1.5, 1536 * 1024),
        ("none", 20.0, 20 * 1024 * 1024),
    ]


def test_groups_and_comments(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
channels:
  - channel: "@news_channel"
    comments: yes
  - channel: "@some_group"
    kind: group
  - channel: "@plain_channel"
""",
    )
    news, group, plain = reg.load(path).channels
    assert (news.kind, news.comments) == ("channel", True)
    assert (group.kind, group.comments) == ("group", False)
    assert (plain.kind, plain.comments) == ("channel", False)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("comments: maybe", "comments: 'maybe' is not true or false; use comments: true"),
        ("kind: chat", "kind: 'chat' is not a source kind; use channel (a broadcast channel) or group"),
        ("kind: group\n    comments: true", "comments: true is for channels"),
    ],
)
def test_bad_group_fields_name_the_field_and_the_fix(tmp_path: Path, entry: str, says: str) -> None:
    path = write(tmp_path, f'channels:\n  - channel: "@some_group"\n    {entry}\n')
    with pytest.raises(ConfigError) as err:
        reg.load(path)
    assert "entry 1 (@some_group)" in str(err.value) and says in str(err.value)

"""The users file (roles, teams, token hashes): loaded, or refused at start naming the entry, the field
and the fix; tokens found by their SHA-256; DOZOR_API_TOKENS tokens stay admins of every team."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydantic import SecretStr

from dozor.errors import ConfigError
from search.settings import SearchSettings
from surfaces.app import create_app
from surfaces.users import Directory, Role, load_users


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


GOOD = f"""
teams: [desk, research]
users:
  - {{name: vera, role: viewer, teams: [desk], token_sha256: {sha("v-token")}}}
  - {{name: anna, role: analyst, teams: [desk], token_sha256: {sha("a-token")}}}
  - {{name: root, role: admin, teams: [research], token_sha256: {sha("r-token")}}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_users_are_found_by_their_token_and_legacy_tokens_are_admins(tmp_path: Path) -> None:
    directory = Directory.build([SecretStr("old-token"), SecretStr("sha256:" + sha("hashed"))], write(tmp_path, GOOD))
    vera, anna = directory.find("v-token"), directory.find("a-token")
    assert vera is not None and (vera.name, vera.role, vera.teams) == ("vera", Role.viewer, ("desk",))
    assert anna is not None and anna.role is Role.analyst and anna.at_least(Role.viewer)
    assert not anna.at_least(Role.admin) and anna.in_team("desk") and not anna.in_team("research")
    assert anna.in_team(None)  # a saved search without a team is shared
    for legacy in ("old-token", "hashed"):
        user = directory.find(legacy)
        assert user is not None and user.role is Role.admin and user.in_team("research")
    assert directory.find(sha("v-token")) is None and directory.find("") is None and directory.find(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("role: viewer", "role: reader"),
            r"users\[0\] \(vera\)\.role: 'reader' is not a role: use viewer",
        ),
        (GOOD.replace(sha("a-token"), "abc"), r"users\[1\] \(anna\)\.token_sha256: needs the 64 hex digits.*sha256sum"),
        (GOOD.replace("name: root", "name: anna"), r"user names must be unique: anna"),
        (
            GOOD.replace("teams: [research], token", "teams: [legal], token"),
            r"user 'root' names unknown teams \['legal'\]",
        ),
        (GOOD.replace("token_sha256", "token", 1), r"users\[0\] \(vera\)\.token_sha256: Field required"),
        ("users: [", r"not YAML"),
        ("users: []", r"users: List should have at least 1 item"),
    ],
)
def test_a_bad_file_fails_naming_the_field_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        load_users(write(tmp_path, text))
    assert "DOZOR_API_USERS=" in str(err.value) and "docs/security.md" in str(err.value)


def test_the_api_refuses_to_start_with_a_bad_users_file(tmp_path: Path) -> None:
    bad = write(tmp_path, GOOD.replace("role: admin", "role: boss"))
    with pytest.raises(ConfigError, match=r"users\[2\] \(root\)\.role"):
        create_app(SearchSettings(api_users=bad))
    with pytest.raises(ConfigError, match="cannot read it"):
        create_app(SearchSettings(api_users=tmp_path / "missing.yaml"))

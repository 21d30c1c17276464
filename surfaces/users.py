"""Who uses Dozor: users with a role and teams, from a YAML file (DOZOR_API_USERS), each known by the
SHA-256 of its token (the file never holds a token). The tokens of DOZOR_API_TOKENS still work: each is
an admin of every team (the single-token set-ups of before roles keep working as they were).

    teams: [desk, research]          # optional: the teams users may name (else any)
    users:
      - name: alice
        role: analyst                # viewer | analyst | admin
        teams: [desk]
        token_sha256: 9f86d0...      # printf %s TOKEN | sha256sum
        disabled: false              # optional: true refuses the token, keeps the entry

Roles are ordered: a viewer searches and reads (redacted); an analyst also saves searches and rules,
acks alerts and exports (redacted); an admin also reads the audit log, exports unredacted and
downloads evidence bundles, and manages the users on the admin page (/ui/users, /users: surfaces/user_admin.py,
which rewrites this file; `dozor api` rereads it when it changes). A bad file stops `dozor api` at start
naming the entry, the field and the fix.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from dozor import yaml_text
from dozor.errors import ConfigError

NAME_PATTERN = r"^[\w][\w.@\-]{0,63}$"
LEGACY_TEAM = "*"  # the teams of a DOZOR_API_TOKENS token: all of them


class Role(enum.IntEnum):
    viewer = 1
    analyst = 2
    admin = 3


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    teams: tuple[str, ...] = field(default_factory=tuple)

    def at_least(self, role: Role) -> bool:
        return self.role >= role

    def in_team(self, team: str | None) -> bool:
        """A thing without a team is shared; an admin sees every team."""
        return team is None or self.role is Role.admin or LEGACY_TEAM in self.teams or team in self.teams

    @property
    def home_team(self) -> str | None:
        """The team a new saved search or rule of this user belongs to unless it names one."""
        own = [t for t in self.teams if t != LEGACY_TEAM]
        return own[0] if own else None


class UserEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    role: Role
    teams: list[str] = Field(default_factory=list)
    token_sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    disabled: bool = False  # kept in the file (and the admin page) but refused at login

    @field_validator("role", mode="before")
    @classmethod
    def _role_name(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return Role[value.strip().lower()]
            except KeyError:
                raise ValueError(f"{value!r} is not a role: use viewer, analyst or admin") from None
        return value


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    teams: list[str] | None = None
    users: list[UserEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> UsersFile:
        names = [u.name for u in self.users]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"user names must be unique: {', '.join(twice)} appear twice")
        digests = [u.token_sha256.lower() for u in self.users]
        if len(set(digests)) != len(digests):
            raise ValueError("two users have the same token_sha256: give each user a token of its own")
        if self.teams is not None:
            for user in self.users:
                unknown = sorted(set(user.teams) - set(self.teams))
                if unknown:
                    raise ValueError(f"user {user.name!r} names unknown teams {unknown}: add them to `teams`")
        return self


def _where(err: dict[str, object], data: object) -> str:
    parts: list[str] = []
    loc = list(err["loc"])  # type: ignore[call-overload]
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and loc[i - 1] == "users" and isinstance(data, dict):
            entry = (data.get("users") or [None] * (part + 1))[part]
            name = entry.get("name") if isinstance(entry, dict) else None
            parts[-1] = f"users[{part}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(part))
    return ".".join(parts)


def load_users(path: Path) -> UsersFile:
    """The users file, validated; ConfigError naming the file, the field and the fix otherwise."""
    fix = "see the users file format in docs/security.md"
    try:
        data = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"DOZOR_API_USERS={path}: cannot read it ({exc.strerror}); point it at the users file"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"DOZOR_API_USERS={path}: not YAML ({exc}); {fix}") from None
    try:
        return UsersFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _where(dict(err), data)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch" and where.endswith("token_sha256"):
            msg = "needs the 64 hex digits of the token's SHA-256 (`printf %s TOKEN | sha256sum`)"
        raise ConfigError(f"DOZOR_API_USERS={path}: {where or 'file'}: {msg}; {fix}") from None


def digest_of(token: SecretStr) -> bytes:
    """The SHA-256 of a DOZOR_API_TOKENS entry: given (`sha256:<hex>`), or computed from the token."""
    value = token.get_secret_value()
    if value.startswith("sha256:"):
        return bytes.fromhex(value.removeprefix("sha256:"))
    return hashlib.sha256(value.encode()).digest()


class Directory:
    """Finds the user of a presented token: its SHA-256 compared with every known digest in constant
    time (the time does not depend on which one matched, or whether one did)."""

    def __init__(self, users: Iterable[tuple[bytes, User]]) -> None:
        self._users = list(users)

    @classmethod
    def build(cls, tokens: Iterable[SecretStr], users_file: Path | None) -> Directory:
        entries = [(digest_of(t), User(f"token-{n + 1}", Role.admin, (LEGACY_TEAM,))) for n, t in enumerate(tokens)]
        if users_file is not None:
            for u in load_users(users_file).users:
                if u.disabled:
                    continue
                entries.append((bytes.fromhex(u.token_sha256), User(u.name, u.role, tuple(u.teams))))
        return cls(entries)

    def __len__(self) -> int:
        return len(self._users)

    def find(self, token: str | None) -> User | None:
        if not token:
            return None
        given = hashlib.sha256(token.encode()).digest()
        found: User | None = None
        for digest, user in self._users:
            if hmac.compare_digest(given, digest):
                found = user
        return found

    def users(self) -> list[User]:
        return [u for _, u in self._users]

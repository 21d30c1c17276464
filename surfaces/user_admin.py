"""Managing the users of DOZOR_API_USERS from the admin page and the API (admins only): list, add (a new
token, shown once; the file keeps its SHA-256 alone), change a role or teams, disable, enable, remove.

Each change is a read-modify-write of the users file under an exclusive lock (``<file>.lock``), checked
as `dozor api` checks the file at start, written to a temporary file beside it and renamed over it (a
reader sees the old file or the new one, never half of one). The file is rewritten from its data: the
comment lines at its top are kept, comments further down are not. The API rereads the file when it
changes (surfaces/auth.py). Every change is audited (`users.change`: who, what, and the users after)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request
from pydantic import ValidationError

from dozor.errors import UsageError
from surfaces.audit import AuditLog, audit_log
from surfaces.users import NAME_PATTERN, Role, User, UserEntry, UsersFile, load_users


class NoUsersFile(UsageError):
    """DOZOR_API_USERS is not set: there is no file to change."""


class UnknownUser(UsageError):
    """No user of that name in the file."""


class UserExists(UsageError):
    """A user of that name exists."""


@dataclass(frozen=True)
class Listed:
    name: str
    role: str
    teams: list[str]
    disabled: bool
    source: str  # "file" (managed here) or "DOZOR_API_TOKENS" (read-only)


def _role(value: str) -> Role:
    try:
        return Role[value.strip().lower()]
    except KeyError:
        raise UsageError(f"{value!r} is not a role: use viewer, analyst or admin") from None


def _teams(values: list[str]) -> list[str]:
    return sorted({t.strip() for t in values if t.strip()})


class UsersAdmin:
    def __init__(self, path: Path | None, audit: AuditLog) -> None:
        self.path, self.audit = path, audit

    def _file(self) -> Path:
        if self.path is None:
            raise NoUsersFile("DOZOR_API_USERS is not set: point it at a users file to manage users here")
        return self.path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Path]:
        path = self._file()
        with open(f"{path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield path
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def listed(self, legacy: list[User]) -> list[Listed]:
        """The file's users (disabled ones too), then the DOZOR_API_TOKENS tokens."""
        out = [
            Listed(u.name, u.role.name, list(u.teams), u.disabled, "file")
            for u in (load_users(self.path).users if self.path else [])
        ]
        env = [u for u in legacy if u.name.startswith("token-")]
        out += [Listed(u.name, u.role.name, [], False, "DOZOR_API_TOKENS") for u in env]
        return out

    def teams(self) -> list[str] | None:
        return load_users(self.path).teams if self.path else None

    def _write(self, path: Path, data: dict[str, Any]) -> UsersFile:
        try:
            checked = UsersFile.model_validate(data)
        except ValidationError as exc:
            raise UsageError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
        text = path.read_text(encoding="utf-8")
        header = "".join(line for line in _leading_comments(text))
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
        mode = path.stat().st_mode & 0o777
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(header + body)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return checked

    def _change(self, actor: User, op: str, name: str, edit: Callable[[list[dict[str, Any]]], None], ui: bool) -> None:
        with self._locked() as path:
            current = load_users(path)
            data: dict[str, Any] = {}
            if current.teams is not None:
                data["teams"] = list(current.teams)
            entries = [_entry(u) for u in current.users]
            edit(entries)
            data["users"] = entries
            after = self._write(path, data)
        snapshot = {u.name: {"role": u.role.name, "teams": list(u.teams)} for u in after.users if not u.disabled}
        found = next((e for e in entries if e["name"] == name), None)
        detail = {"op": op, "name": name, "entry": _public(found), "users": snapshot, "ui": ui}
        self.audit.record(actor, "users.change", name, results=len(snapshot), detail=detail)

    def add(self, actor: User, name: str, role: str, teams: list[str], *, ui: bool = False) -> str:
        """A new user; returns its token (never stored: the file keeps its SHA-256)."""
        if not re.match(NAME_PATTERN, name):
            raise UsageError(f"bad user name {name!r}: letters, digits, '.', '@', '_', '-' (max 64)")
        token = secrets.token_urlsafe(32)
        entry = {
            "name": name,
            "role": _role(role).name,
            "teams": _teams(teams),
            "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
        }

        def edit(entries: list[dict[str, Any]]) -> None:
            if any(e["name"] == name for e in entries):
                raise UserExists(f"a user named {name!r} exists already")
            entries.append(entry)

        self._change(actor, "add", name, edit, ui)
        return token

    def update(
        self,
        actor: User,
        name: str,
        *,
        role: str | None = None,
        teams: list[str] | None = None,
        disabled: bool | None = None,
        ui: bool = False,
    ) -> None:
        if name == actor.name and (disabled or (role is not None and _role(role) is not Role.admin)):
            raise UsageError("you cannot demote or disable yourself: ask another admin")
        op = "disable" if disabled else "enable" if disabled is False else "change"

        def edit(entries: list[dict[str, Any]]) -> None:
            entry = _find(entries, name)
            if role is not None:
                entry["role"] = _role(role).name
            if teams is not None:
                entry["teams"] = _teams(teams)
            if disabled is not None:
                if disabled:
                    entry["disabled"] = True
                else:
                    entry.pop("disabled", None)

        self._change(actor, op, name, edit, ui)

    def remove(self, actor: User, name: str, *, ui: bool = False) -> None:
        if name == actor.name:
            raise UsageError("you cannot remove yourself: ask another admin")

        def edit(entries: list[dict[str, Any]]) -> None:
            entries.remove(_find(entries, name))
            if not entries:
                raise UsageError("the users file must keep one user at least")

        self._change(actor, "remove", name, edit, ui)


def _entry(u: UserEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"name": u.name, "role": u.role.name, "teams": list(u.teams), "token_sha256": u.token_sha256}
    if u.disabled:
        out["disabled"] = True
    return out


def _public(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if entry is None else {k: v for k, v in entry.items() if k != "token_sha256"}


def _find(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for entry in entries:
        if entry["name"] == name:
            return entry
    raise UnknownUser(f"no user named {name!r} in the users file")


def _leading_comments(text: str) -> Iterator[str]:
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            return
        yield line


def users_admin(request: Request) -> UsersAdmin:
    """A dependency: the app's users file (DOZOR_API_USERS) and audit log."""
    return UsersAdmin(request.app.state.settings.api_users, audit_log(request))


def known_users(request: Request) -> list[User]:
    """Everyone who may sign in now (the file as last read, and the DOZOR_API_TOKENS tokens)."""
    users: list[User] = request.app.state.guard.tokens.users()
    return users


Admins = Annotated[UsersAdmin, Depends(users_admin)]

"""Who may use the API and the web UI: the bearer tokens of DOZOR_API_TOKENS, each given as is or as
`sha256:<hex>` of the token (then the configuration never holds the token itself), and a brake on
guessing them.

The brake: after FREE_FAILURES failed attempts from one client address, that address must wait before
its next attempt (1 s, doubling with each further failure, up to MAX_WAIT_S); an attempt while it must
wait is answered 429 with Retry-After and not checked at all. Memory stays bounded: at most MAX_CLIENTS
addresses are remembered (the least recently failed go first), each forgotten FORGET_AFTER_S after its
last failure. A success clears the address."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cachetools import TTLCache
from fastapi import HTTPException, Request, status
from pydantic import SecretStr

from dozor.errors import ConfigError
from surfaces.users import Directory, User, digest_of

log = logging.getLogger(__name__)

FREE_FAILURES = 5
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 60.0
MAX_CLIENTS = 10_000
FORGET_AFTER_S = 15 * 60.0


def token_digest(token: SecretStr) -> bytes:
    """The SHA-256 of a configured token: given (`sha256:<hex>`), or computed from the token."""
    return digest_of(token)


class Tokens:
    """The tokens of DOZOR_API_TOKENS (each an admin) and the users of DOZOR_API_USERS, checked in time
    independent of which matched. The users file is read again when it changes (its size, time or inode:
    the admin page's rewrite, or an edit by hand), so no restart is needed; a file that has become
    invalid is logged and the users read before stay in force."""

    def __init__(self, configured: Iterable[SecretStr], users_file: Path | None = None) -> None:
        self._configured, self.users_file = list(configured), users_file
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._directory = Directory.build(self._configured, users_file)  # a bad file fails at start

    def _file_stamp(self) -> tuple[int, int, int] | None:
        if self.users_file is None:
            return None
        try:
            st = self.users_file.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def current(self) -> Directory:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return self._directory
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._directory = Directory.build(self._configured, self.users_file)
                    log.info("users file %s read again: %d users", self.users_file, len(self._directory))
                except ConfigError as exc:
                    log.error("users file changed but is not valid; the users read before stay in force: %s", exc)
                self._stamp = stamp
        return self._directory

    def __len__(self) -> int:
        return len(self.current())

    def find(self, token: str | None) -> User | None:
        return self.current().find(token)

    def users(self) -> list[User]:
        return self.current().users()

    def valid(self, token: str | None) -> bool:
        return self.find(token) is not None


@dataclass
class _Failures:
    count: int
    blocked_until: float


class LoginThrottle:
    """Failed attempts per client address, with the wait they earned (thread-safe, bounded)."""

    def __init__(
        self,
        free: int = FREE_FAILURES,
        first_wait_s: float = FIRST_WAIT_S,
        max_wait_s: float = MAX_WAIT_S,
        max_clients: int = MAX_CLIENTS,
        forget_after_s: float = FORGET_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.first_wait_s, self.max_wait_s, self.clock = free, first_wait_s, max_wait_s, clock
        self._seen: TTLCache[str, _Failures] = TTLCache(maxsize=max_clients, ttl=forget_after_s, timer=clock)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def wait_s(self, client: str) -> float:
        """Seconds the client must still wait before its next attempt (0: it may try)."""
        with self._lock:
            entry = self._seen.get(client)
            return max(0.0, entry.blocked_until - self.clock()) if entry else 0.0

    def failed(self, client: str) -> tuple[int, float]:
        """Count a failure; returns the client's failures and the wait it earned (0: still free)."""
        with self._lock:
            entry = self._seen.get(client) or _Failures(0, 0.0)
            entry.count += 1
            over, wait = entry.count - self.free, 0.0
            if over > 0:
                wait = min(self.max_wait_s, self.first_wait_s * 2 ** (over - 1))
                entry.blocked_until = self.clock() + wait
            self._seen[client] = entry  # (re)inserted: its time to be forgotten starts again
            return entry.count, wait

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._seen.pop(client, None)


@dataclass
class Guard:
    tokens: Tokens
    throttle: LoginThrottle


def guard(request: Request) -> Guard:
    """The app's guard (made from its settings on first use)."""
    found: Guard | None = getattr(request.app.state, "guard", None)
    if found is None:
        settings = request.app.state.settings
        found = Guard(Tokens(settings.api_tokens, settings.api_users), LoginThrottle())
        request.app.state.guard = found
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait_s: float) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many failed logins from this address; try again in {math.ceil(wait_s)} s",
        headers={"Retry-After": str(math.ceil(wait_s))},
    )


def check_token(request: Request, token: str | None) -> User | None:
    """The user of a valid token (None otherwise). Raises 429 (not checking the token) while this address must wait; a
    wrong token counts as a failed attempt (no token at all is no guess: None, and not counted)."""
    if not token:
        return None
    g, client = guard(request), client_address(request)
    wait = g.throttle.wait_s(client)
    if wait > 0:
        raise too_many(wait)
    user = g.tokens.find(token)
    if user is not None:
        g.throttle.succeeded(client)
        return user
    failures, wait = g.throttle.failed(client)
    if wait:
        log.warning("%d failed logins from %s: it waits %.0f s before its next attempt", failures, client, wait)
    return None

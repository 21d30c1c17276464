"""Who may use the API and the web UI: the bearer tokens of DOZOR_API_TOKENS, each given as is or as
`sha256:<hex>` of the token (then the configuration never holds the token itself), and a brake on
guessing them.

The brake: after FREE_FAILURES failed attempts from one client address, that address must wait before
its next attempt (1 s, doubling with each further failure, up to MAX_WAIT_S); an attempt while it must
wait is answered 429 with Retry-After and not checked at all. Memory stays bounded: at most MAX_CLIENTS
addresses are remembered (the least recently failed go first), each forgotten FORGET_AFTER_S after its
last failure. A success clears the address."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cachetools import TTLCache
from fastapi import HTTPException, Request, status
from pydantic import SecretStr

log = logging.getLogger(__name__)

HASH_PREFIX = "sha256:"
FREE_FAILURES = 5
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 60.0
MAX_CLIENTS = 10_000
FORGET_AFTER_S = 15 * 60.0


def token_digest(token: SecretStr) -> bytes:
    """The SHA-256 of a configured token: given (`sha256:<hex>`), or computed from the token."""
    value = token.get_secret_value()
    if value.startswith(HASH_PREFIX):
        return bytes.fromhex(value.removeprefix(HASH_PREFIX))
    return hashlib.sha256(value.encode()).digest()


class Tokens:
    """Checks a presented token against every configured one, in time independent of which matched."""

    def __init__(self, configured: Iterable[SecretStr]) -> None:
        self._digests = [token_digest(t) for t in configured]

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        given = hashlib.sha256(token.encode()).digest()
        found = False
        for digest in self._digests:
            found |= hmac.compare_digest(given, digest)
        return found


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
        found = Guard(Tokens(request.app.state.settings.api_tokens), LoginThrottle())
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


def check_token(request: Request, token: str | None) -> bool:
    """True for a valid token. Raises 429 (not checking the token) while this address must wait; a
    wrong token counts as a failed attempt (no token at all is no guess: False, and not counted)."""
    if not token:
        return False
    g, client = guard(request), client_address(request)
    wait = g.throttle.wait_s(client)
    if wait > 0:
        raise too_many(wait)
    if g.tokens.valid(token):
        g.throttle.succeeded(client)
        return True
    failures, wait = g.throttle.failed(client)
    if wait:
        log.warning("%d failed logins from %s: it waits %.0f s before its next attempt", failures, client, wait)
    return False

"""What a Telegram error means for the collector: an account that is gone, or one channel in a state.

An account whose session was revoked, expired, deactivated, banned or duplicated (Telegram's 401 and 406
errors) stops collecting with one line naming the fix; the other accounts go on. A channel that became
private, was deleted or renamed away, or bans the account is put in that state and retried with backoff
on later passes (1, 2, 4 ... up to :data:`MAX_SKIP` passes apart) while the other channels go on.
Both show in the collector's summary and as gauges (1 for the current state, 0 for the others), so a
stop is never silent. Label values stay bounded: account names, registry labels and the states below.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from telethon import errors as tg

from dozor import metrics

log = logging.getLogger(__name__)

ACCOUNT_LOST = (tg.UnauthorizedError, tg.AuthKeyError)  # the session itself is unusable: every request fails
ACCOUNT_STATES = ("collecting", "unauthorized", "revoked", "deactivated", "banned", "duplicated")
CHANNEL_STATES = ("pending", "ok", "private", "gone", "banned", "error", "stopped")  # stopped: with its account
_NO_ENTITY = re.compile(r"entity|as username", re.IGNORECASE)
MAX_SKIP = 32  # passes a failing channel sits out at most (with the default 300 s gap fill: about 2.7 h)

_FIX = {
    "unauthorized": "run `dozor telegram login` for this session",
    "revoked": "sign in again with `dozor telegram login`",
    "deactivated": "the Telegram account was deleted; remove its session",
    "banned": "the Telegram account is banned; remove its session",
    "duplicated": "the session was used from two places at once; sign in again with `dozor telegram login` "
    "and use each session file in one collector only",
}


class AccountLost(Exception):
    """Raised out of a channel's work when the error is the whole account's."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


def account_state(exc: BaseException) -> str:
    if isinstance(exc, tg.UserDeactivatedBanError):
        return "banned"
    if isinstance(exc, tg.UserDeactivatedError):
        return "deactivated"
    if isinstance(exc, tg.AuthKeyError):
        return "duplicated"
    return "revoked"


def channel_state(exc: BaseException) -> str:
    if isinstance(exc, tg.ChannelPrivateError):
        return "private"  # also what Telegram answers to an account banned from a private channel
    if isinstance(exc, tg.ChannelInvalidError | tg.UsernameNotOccupiedError | tg.UsernameInvalidError):
        return "gone"  # deleted, or its username was dropped or given away
    if isinstance(exc, ValueError) and _NO_ENTITY.search(str(exc)):
        return "gone"  # Telethon's get_entity: 'No user has "x" as username', 'Cannot find any entity ...'
    if isinstance(exc, tg.ChannelBannedError | tg.UserBannedInChannelError | tg.ChannelPublicGroupNaError):
        return "banned"
    return "error"


def _show(gauge_labels: tuple[str, ...], states: tuple[str, ...], current: str, which: str) -> None:
    gauge = metrics.ACCOUNT_STATE if which == "account" else metrics.CHANNEL_STATE
    for state in states:
        gauge.labels(*gauge_labels, state).set(1 if state == current else 0)


@dataclass
class AccountHealth:
    name: str
    state: str = "collecting"
    reason: str | None = None
    channels: list[ChannelHealth] = field(default_factory=list)  # its channels: stopped with it

    def __post_init__(self) -> None:
        _show((self.name,), ACCOUNT_STATES, self.state, "account")

    @property
    def working(self) -> bool:
        return self.state == "collecting"

    def lost(self, state: str, reason: str) -> None:
        """The account stops collecting: one line saying why and what to do."""
        if not self.working:
            return
        self.state, self.reason = state, reason
        _show((self.name,), ACCOUNT_STATES, state, "account")
        log.error("%s", self.line())
        for channel in self.channels:
            channel.stopped()

    def failed(self, exc: BaseException) -> None:
        """``exc`` (one of :data:`ACCOUNT_LOST`) came back from any request of this account."""
        self.lost(account_state(exc), type(exc).__name__)

    def line(self) -> str:
        return f"account {self.name}: session {self.state} ({self.reason}); {_FIX[self.state]}"


@dataclass
class ChannelHealth:
    label: str
    state: str = "pending"
    reason: str | None = None
    failures: int = 0  # in a row
    skip: int = 0  # passes still to sit out

    def __post_init__(self) -> None:
        _show((self.label,), CHANNEL_STATES, self.state, "channel")

    def due(self) -> bool:
        """Whether this pass tries the channel (a failing one sits out passes, more after each failure)."""
        if self.skip > 0:
            self.skip -= 1
            return False
        return True

    def ok(self) -> None:
        if self.state != "ok" and self.failures:
            log.info("channel %s: readable again (was %s)", self.label, self.state)
        self.failures, self.skip, self.reason = 0, 0, None
        self._set("ok")

    def failed(self, exc: BaseException) -> None:
        state, reason = channel_state(exc), f"{type(exc).__name__}: {exc}"
        self.failures += 1
        self.skip = min(2 ** (self.failures - 1), MAX_SKIP) - 1
        changed = state != self.state
        self.reason = reason
        self._set(state)
        retry = "next pass" if self.skip == 0 else f"in {self.skip + 1} passes"
        # A new state is a warning; the same one again is logged quietly (no line per pass for a dead channel).
        log.log(
            logging.WARNING if changed else logging.INFO,
            "channel %s: %s (%s); the other channels go on, this one is retried %s",
            self.label,
            state,
            reason,
            retry,
        )

    def stopped(self) -> None:
        """Its account stopped collecting: the channel waits until that session works again."""
        self._set("stopped")

    def _set(self, state: str) -> None:
        self.state = state
        _show((self.label,), CHANNEL_STATES, state, "channel")


def summary(accounts: list[AccountHealth], channels: list[ChannelHealth]) -> str:
    """``; channels: 1 private (@a), 2 gone (@b, @c); account x: session revoked (...)`` or ``""``."""
    parts: list[str] = []
    bad: dict[str, list[str]] = {}
    for ch in channels:
        if ch.state not in ("ok", "pending"):
            bad.setdefault(ch.state, []).append(ch.label)
    if bad:
        parts.append("channels: " + ", ".join(f"{len(v)} {k} ({', '.join(v)})" for k, v in sorted(bad.items())))
    parts += [a.line() for a in accounts if not a.working]
    return "".join(f"; {p}" for p in parts)

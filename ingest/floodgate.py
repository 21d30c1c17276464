"""One pause per Telegram account: a FloodWait on any channel holds every request of that account."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telethon.errors import FloodWaitError

from dozor import metrics

log = logging.getLogger(__name__)

T = TypeVar("T")


class FloodGate:
    def __init__(self, account: str) -> None:
        self.account = account
        self._until = 0.0
        self.waits: list[tuple[str, int]] = []  # (where, seconds) of every FloodWait seen
        metrics.FLOODWAIT_LEFT.labels(account).set_function(lambda: self.closed_for)

    @property
    def closed_for(self) -> float:
        return max(0.0, self._until - time.monotonic())

    async def wait(self) -> None:
        while (left := self._until - time.monotonic()) > 0:
            await asyncio.sleep(left)

    def hold(self, seconds: int, where: str) -> None:
        """Telegram asked this account to wait ``seconds``: no request of the account before then."""
        self.waits.append((where, seconds))
        metrics.FLOODWAITS.labels(self.account).inc()
        metrics.FLOODWAIT_SECONDS.labels(self.account).inc(seconds)
        self._until = max(self._until, time.monotonic() + seconds)
        log.warning(
            "account %s: FloodWait of %ds (on %s; %d so far); all its channels paused for %.0f s",
            self.account,
            seconds,
            where,
            len(self.waits),
            self.closed_for,
        )

    async def call(self, where: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run one request when the gate is open; on FloodWait hold the gate and try again."""
        while True:
            await self.wait()
            try:
                return await fn()
            except FloodWaitError as exc:
                self.hold(exc.seconds, where)

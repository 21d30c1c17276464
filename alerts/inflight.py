"""The passes of the alerter whose alerts are still being built and fired. The alerter does not wait for
them before its next pass: waiting made every rule's next alerts queue behind the last pass's whole burst
(with 1,000 saved searches a dozen rules fire in a pass, and a pass waited 0.5-0.8 s for them). What the
watermark may say is tracked here instead: a pass is settled once its alerts and those of every pass
before it are claimed, and the watermark moves only to the newest settled pass, so nothing behind it is
left unclaimed after a crash or a failure."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class _Pass:
    upper: datetime  # what the pass evaluated: everything indexed up to here
    jobs: list[Future[None]]


class PassesInFlight:
    """Runs each pass's firing jobs on a pool; one rule's jobs run in the order of their passes (the Kafka
    topic `alerts` is keyed by rule: its alerts keep the order of their passes), other rules' side by side.
    Used from one thread (the alerter's loop); the jobs run on the pool."""

    def __init__(self, workers: int, max_passes: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dozor-alert")
        self.max_passes = max_passes  # with this many in flight, settle() waits for the oldest (back-pressure)
        self._passes: deque[_Pass] = deque()
        self._last: dict[str, Future[None]] = {}  # each rule's newest job not done yet

    def submit(self, upper: datetime, jobs: dict[str, Callable[[], None]]) -> None:
        """Start a pass's jobs (rule name -> its job); settle() tells when the pass is done."""
        self._last = {rule: job for rule, job in self._last.items() if not job.done()}
        futures = []
        for rule, job in jobs.items():
            futures.append(self._pool.submit(_after, self._last.get(rule), job))
            self._last[rule] = futures[-1]
        self._passes.append(_Pass(upper, futures))

    def settle(self, block: bool = False) -> datetime | None:
        """The upper bound of the newest pass that is done together with every pass before it (None: none
        was since the last call). It waits for the oldest passes while ``max_passes`` are in flight, and
        for all of them with ``block``. A failed job raises its error once every job in flight is over,
        and no pass after it is settled (the caller evaluates them again)."""
        settled = None
        while self._passes:
            first = self._passes[0]
            if block or len(self._passes) >= self.max_passes:
                wait(first.jobs)
            if not all(job.done() for job in first.jobs):
                break
            failed = next((job.exception() for job in first.jobs if job.exception() is not None), None)
            if failed is not None:
                wait([job for p in self._passes for job in p.jobs])
                self._passes.clear()
                raise failed
            settled = self._passes.popleft().upper
        return settled

    def __len__(self) -> int:
        return len(self._passes)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _after(previous: Future[None] | None, job: Callable[[], None]) -> None:
    """The job, once the rule's previous one is over (submitted before it, it is running or done: no
    worker waits for a job still queued behind it)."""
    if previous is not None:
        wait([previous])
    job()

"""N worker processes of one stage, started by one command (`--workers N`), so a stage uses every core.

Each worker is a fresh process (``spawn``: nothing of the parent's threads or Kafka clients is inherited)
running the stage's own runner:
- as a service, every worker is a member of the stage's consumer group; Kafka shares the partitions out;
- with ``--drain``, each worker drains the partition numbers the command gave it (:mod:`dozor.drain_shares`:
  shared out by backlog; the same numbers of every topic it reads, so one key's events stay in one
  process), from the group's committed offsets to the end offsets it sees at start, commits them and
  exits. No rebalance, and no partition is read twice; the workers' counts are summed.
SIGTERM or SIGINT to the parent is passed to every worker, which finishes its batch, commits and exits; the
parent waits for all of them. A worker that fails makes the command fail (exit 1), naming it. A parent that
is killed (SIGKILL passes nothing on) takes its workers with it: each one watches its parent and stops as on
SIGTERM when it is gone, so a restarted service never runs beside its own orphans.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from types import FrameType
from typing import Any

from dozor import logs
from dozor.errors import DozorError
from dozor.stream import RunStats

log = logging.getLogger(__name__)

# A worker: (its slot, how many workers, the command's arguments) -> what it did.
Worker = Callable[..., RunStats]


def default_workers() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _stop_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        log.warning("the parent process %d is gone: stopping", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _entry(worker: Worker, slot: int, n: int, args: tuple[Any, ...], results: Any, service: str) -> None:
    from dozor import logs
    from dozor.cli_support import setup_logging

    logs.set_service(service)
    setup_logging()
    _stop_with_parent(os.getppid())
    try:
        stats = worker(slot, n, *args)
    except DozorError as exc:
        results.put((slot, None, str(exc)))
        raise SystemExit(1) from None
    results.put((slot, asdict(stats), None))


def _collect(procs: list[Any], results: Any, stop_all: Callable[[], None]) -> dict[int, tuple[Any, str | None]]:
    """Each worker's report (its counts or its error), as they come; a worker that died without one
    (killed, crashed) has none. The first error stops the others: the command fails anyway."""
    reports: dict[int, tuple[Any, str | None]] = {}
    while len(reports) < len(procs):
        try:
            slot, stats, error = results.get(timeout=0.5)
        except queue.Empty:
            if all(p.exitcode is not None for p in procs):
                try:  # what the last ones sent before exiting may still be in the pipe
                    slot, stats, error = results.get(timeout=1.0)
                except queue.Empty:
                    break
            else:
                continue
        reports[slot] = (stats, error)
        if error is not None:
            stop_all()
    return reports


def run_workers(n: int, worker: Worker, *args: Any) -> RunStats:
    """Run ``worker(slot, n, *args)`` in ``n`` processes (a top-level function: it is imported there) and
    return their summed counts; a worker that fails is a :class:`DozorError` naming it."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_entry, args=(worker, i, n, args, results, logs.service()), name=f"worker-{i}")
        for i in range(n)
    ]

    def forward(signum: int, _frame: FrameType | None) -> None:
        log.info("passing signal %d to %d workers", signum, len(procs))
        for proc in procs:
            if proc.pid is not None and proc.exitcode is None:
                os.kill(proc.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for proc in procs:
            proc.start()
        log.info("%d workers started: %s", n, ", ".join(str(p.pid) for p in procs))
        reports = _collect(procs, results, lambda: forward(signal.SIGTERM, None))
        total, errors = RunStats(), []
        for slot, (stats, error) in sorted(reports.items()):
            if error is not None:
                errors.append(f"worker {slot}: {error}")
            for key, value in (stats or {}).items():
                setattr(total, key, getattr(total, key) + value)
        for proc in procs:
            proc.join()
        crashed = [f"worker {i} exited with code {p.exitcode}" for i, p in enumerate(procs) if i not in reports]
        if errors or crashed:
            raise DozorError("; ".join(errors or crashed))
        return total
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for proc in procs:
            if proc.exitcode is None and proc.pid is not None:
                proc.terminate()
                proc.join(5)

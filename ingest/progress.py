"""Backfill progress: a Rich bar per channel and one overall (or nothing, for tests and pipes)."""

from __future__ import annotations

from typing import Protocol

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class ProgressView(Protocol):
    def begin(self, label: str, total: int) -> None: ...
    def advance(self, label: str, n: int) -> None: ...
    def end(self, label: str) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    def begin(self, label: str, total: int) -> None:
        pass

    def advance(self, label: str, n: int) -> None:
        pass

    def end(self, label: str) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    """Totals are message-id spans (an upper bound: ids are not contiguous), so bars may end early."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        self._overall = self._progress.add_task("all channels", total=0)
        self._tasks: dict[str, TaskID] = {}
        self._progress.start()

    def begin(self, label: str, total: int) -> None:
        if label in self._tasks:  # restarted after a FloodWait: same bar
            return
        self._tasks[label] = self._progress.add_task(label, total=max(total, 1))
        overall = self._progress.tasks[self._overall]
        self._progress.update(self._overall, total=(overall.total or 0) + max(total, 1))

    def advance(self, label: str, n: int) -> None:
        if label in self._tasks:
            self._progress.advance(self._tasks[label], n)
            self._progress.advance(self._overall, n)

    def end(self, label: str) -> None:
        task = self._tasks.pop(label, None)
        if task is not None:
            left = self._progress.tasks[task]
            rest = max(0.0, (left.total or 0) - left.completed)
            self._progress.update(task, completed=left.total)
            self._progress.advance(self._overall, rest)

    def close(self) -> None:
        self._progress.stop()

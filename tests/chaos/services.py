"""The pipeline's services as real `dozor` processes in their consumer groups, `members` of each: started,
SIGKILLed by the pid this module started, and restarted. A service that exits by itself is restarted too
(as a supervisor would) and counted: a service is meant to ride out outages, not to leave."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DOZOR = str(Path(sys.executable).with_name("dozor"))
STAGES = ("enrich", "index", "alert")
# The summary a service prints when it stops (SIGTERM): records it consumed, alerts it fired.
SUMMARY = re.compile(r"^(?:enrich: (\d+) consumed|index: (\d+) records|alert: .*?(\d+) alerts fired)", re.M)


@dataclass
class Member:
    name: str  # e.g. index-2
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    kills: int = 0
    exits: int = 0  # exits nobody asked for


@dataclass
class Services:
    env: dict[str, str]
    logs: Path
    rules: Path
    members_per_stage: int = 2
    members: dict[str, Member] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for stage in STAGES:
            # One process per member (enrich and index would start one worker per core): the groups have
            # `members` each.
            args = {"alert": [stage, "--rules", str(self.rules)]}.get(stage, [stage, "--workers", "1"])
            for n in range(1, self.members_per_stage + 1):
                self.members[f"{stage}-{n}"] = Member(f"{stage}-{n}", args)

    def _spawn(self, member: Member) -> None:
        with (self.logs / f"{member.name}.log").open("ab") as log:
            member.proc = subprocess.Popen(
                [DOZOR, *member.args], env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )

    def start(self) -> None:
        with self._lock:
            for member in self.members.values():
                self._spawn(member)
        threading.Thread(target=self._watch, daemon=True, name="chaos-supervisor").start()

    def kill(self, name: str) -> None:
        """SIGKILL one member (by the pid this module started); `restart` brings it back."""
        with self._lock:
            member = self.members[name]
            if member.proc is not None and member.proc.poll() is None:
                member.proc.send_signal(signal.SIGKILL)
                member.proc.wait(30)
            member.kills += 1
            member.proc = None

    def restart(self, name: str) -> None:
        with self._lock:
            self._spawn(self.members[name])

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                for member in self.members.values():
                    if member.proc is not None and member.proc.poll() is not None:
                        member.exits += 1
                        self._spawn(member)

    def work(self) -> dict[str, int]:
        """What each member did since its last restart, from the summary it printed at the end (a killed
        process prints none): records for enrich and index, alerts fired for alert."""
        out: dict[str, int] = {}
        for name in self.members:
            text = (self.logs / f"{name}.log").read_text(errors="replace")
            found = [int(next(g for g in m.groups() if g)) for m in SUMMARY.finditer(text)]
            out[name] = found[-1] if found else 0
        return out

    def exits(self) -> int:
        return sum(m.exits for m in self.members.values())

    def stop(self) -> None:
        """SIGTERM every member (they finish their batch and commit), SIGKILL after 20 s."""
        self._stop.set()
        with self._lock:
            procs = [m.proc for m in self.members.values() if m.proc is not None]
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 20
            for proc in procs:
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


def service_env(private: dict[str, str], topic_prefix: str, index_prefix: str) -> dict[str, str]:
    """The environment of every service: this run's stack and prefixes, nothing of the caller's DOZOR_*."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    return {**base, **private, "DOZOR_TOPIC_PREFIX": topic_prefix, "DOZOR_INDEX_PREFIX": index_prefix}

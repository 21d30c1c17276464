"""Dozor services as subprocesses for the live benchmarks (bench/bench_alerts.py, bench/bench_media_latency.py),
each stopped by its own pid, and the CPU time the stack's processes use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dozor import es as des
from dozor.settings import DozorSettings

DOZOR = str(Path(sys.executable).with_name("dozor"))


class Services:
    """`dozor <command>` processes by name, with the environment given, each logging to ``<logs>/<name>.log``."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        self.procs[name] = subprocess.Popen([DOZOR, *args], env=self.env, stdout=log, stderr=log)

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


def es_cpu_s(settings: DozorSettings) -> float:
    """CPU seconds the Elasticsearch node has used since it started."""
    es = des.client(settings)
    stats = es.nodes.stats(metric="process")
    es.close()
    return float(sum(node["process"]["cpu"]["total_in_millis"] for node in stats["nodes"].values())) / 1000


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used since it started (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

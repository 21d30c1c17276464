"""Start, find and stop the stack's own processes. A pid file records pid and start time, so `down`
never signals a process it did not start (pids get reused)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dozor.errors import DozorError


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime) counts from after the parenthesised command name.
    return int(stat.rsplit(")", 1)[1].split()[19])


@dataclass(frozen=True)
class Managed:
    name: str
    pid_file: Path

    def read(self) -> tuple[int, int] | None:
        try:
            data = json.loads(self.pid_file.read_text())
            return int(data["pid"]), int(data["start"])
        except (OSError, ValueError, KeyError):
            return None

    def running_pid(self) -> int | None:
        """The pid if the process this file names is still the one we started."""
        entry = self.read()
        if entry is None:
            return None
        pid, start = entry
        return pid if _start_ticks(pid) == start else None

    def start(
        self,
        cmd: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log_file: Path,
        user: int | None = None,
        group: int | None = None,
    ) -> int:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            proc = subprocess.Popen(
                list(cmd),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: `down` stops the whole tree
                user=user,
                group=group,
                extra_groups=[] if group is not None else None,
            )
        start = _start_ticks(proc.pid)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(json.dumps({"pid": proc.pid, "start": start, "cmd": list(cmd)[:3]}))
        return proc.pid

    def alive(self) -> bool:
        return self.running_pid() is not None

    def stop(self, timeout_s: float = 30.0) -> bool:
        """SIGTERM the process group, then SIGKILL after the timeout. False if it was not running."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.2)
        if _group_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        self.pid_file.unlink(missing_ok=True)
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie leader still counts as present to killpg; reap it if it is our child.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pgid, os.WNOHANG)
        if done:
            return _group_alive_without_leader(pgid)
    return True


def _group_alive_without_leader(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def require_free(host: str, port: int, what: str, setting: str) -> None:
    if not port_free(host, port):
        raise DozorError(
            f"port {port} on {host} ({what}) is taken by another process; stop it, "
            f"or choose another port with {setting}"
        )


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"

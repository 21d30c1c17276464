"""A second, secure local stack for one test module: its own stack home and ports (never the shared
stack's), started with `dozor stack up --secure` and removed again; every command runs as a separate
process with one stage's credentials, and what each one printed is kept for the secrets scan."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DOZOR = str(Path(sys.executable).with_name("dozor"))


EPHEMERAL_FROM = 32768  # Linux's default ip_local_port_range starts here


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(start: int, offsets: tuple[int, ...], taken: set[int]) -> int:
    """A base port from `start` on (in steps of 10) such that base + each offset is free. Start under
    32768: above it, Linux hands ports to outgoing connections, which can take a port between this
    check and the server's bind (a chaos run's Kafka once failed so, "Address already in use")."""
    if start + 2000 + max(offsets) >= EPHEMERAL_FROM:
        raise ValueError(f"ports from {start} reach the range Linux gives outgoing connections")
    for base in range(start, start + 2000, 10):
        ports = {base + o for o in offsets}
        if not ports & taken and all(_free(p) for p in ports):
            taken.update(ports)
            return base
    raise RuntimeError(f"no free ports near {start}")


@dataclass
class SecureStack:
    home: Path
    logs: Path  # what every command printed, one file per command
    env: dict[str, str]  # the stack's addresses: what every command of this stack gets
    extra_env: dict[str, str] = field(default_factory=dict)  # secrets every command gets (the scan looks for them)
    runs: int = 0

    @property
    def security(self) -> Path:
        return self.home / "security"

    def passwords(self) -> dict[str, dict[str, str]]:
        data: dict[str, dict[str, str]] = json.loads((self.security / "secrets.json").read_text())
        return data

    def credentials(self, stage: str | None) -> dict[str, str]:
        """The settings of one stage's principal (its ES user and Kafka user, where it has them)."""
        if stage is None:
            return {}
        user, pw = f"dozor-{stage}", self.passwords()
        ca = str(self.security / "ca.crt")
        out: dict[str, str] = {}
        if user in pw["elasticsearch"]:
            out.update(DOZOR_ES_USERNAME=user, DOZOR_ES_PASSWORD=pw["elasticsearch"][user], DOZOR_ES_CA=ca)
        if user in pw["kafka"]:
            out.update(
                DOZOR_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
                DOZOR_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
                DOZOR_KAFKA_USERNAME=user,
                DOZOR_KAFKA_PASSWORD=pw["kafka"][user],
                DOZOR_KAFKA_CA=ca,
            )
        return out

    def process_env(self, stage: str | None) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
        return {**base, **self.env, **self.extra_env, **self.credentials(stage)}

    def run(self, stage: str | None, *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
        """`dozor --debug ARGS` as the stage's principal; its output is kept under `logs`."""
        self.runs += 1
        proc = subprocess.run(
            [DOZOR, "--debug", *args],
            env=self.process_env(stage),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        name = f"{self.runs:02d}-{stage or 'stack'}-{args[0]}"
        (self.logs / f"{name}.out").write_text(proc.stdout)
        (self.logs / f"{name}.err").write_text(proc.stderr)
        return proc

    def serve(self, stage: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        """A long-running command (the API), its output going to a log file."""
        self.runs += 1
        log = self.logs / f"{self.runs:02d}-{stage}-{args[0]}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([DOZOR, "--debug", *args], env=self.process_env(stage), stdout=out, stderr=out)
        return proc, log


@dataclass(frozen=True)
class Leak:
    file: Path
    secret: str  # its name, not its value


SECRET_STORES = ("security", "s3proxy-*/credentials.json", "s3proxy-*/s3proxy.conf")


def secret_stores(home: Path) -> list[Path]:
    """Where the stack keeps secrets on purpose (mode 0600, or a 0700 directory): left out of the scan."""
    return [p for pattern in SECRET_STORES for p in home.glob(pattern)]


def scan(roots: list[Path], secrets: Mapping[str, str], skip: list[Path]) -> tuple[list[Leak], int]:
    """Every file under the roots (but `skip`) searched for every secret, as bytes. (leaks, files read)."""
    leaks: list[Leak] = []
    read = 0
    for root in roots:
        for path in _files(root, skip):
            data = path.read_bytes()
            read += 1
            leaks.extend(Leak(path, name) for name, value in secrets.items() if value.encode() in data)
    return leaks, read


def _files(root: Path, skip: list[Path]) -> Iterator[Path]:
    for dirpath, dirs, names in os.walk(root):
        here = Path(dirpath)
        dirs[:] = [d for d in dirs if here / d not in skip]
        for name in names:
            path = here / name
            if path not in skip and path.is_file() and not path.is_symlink():
                yield path


def start(timeout_s: float = 900) -> tuple[SecureStack, str]:
    """Fresh home and ports; `dozor stack up --secure`. Returns the stack and what `up` printed."""
    # Our own folders: pytest's shared temporary root is pruned by other pytest sessions on this machine.
    logs = Path(tempfile.mkdtemp(prefix="dozor-secure-run-"))
    home = Path(tempfile.mkdtemp(prefix="dozor-secure-", dir="/tmp"))
    home.chmod(0o755)  # the Elasticsearch user must reach its install and data here
    taken: set[int] = set()
    kafka = free_block(19092, (0, 1, 2), taken)  # bootstrap, controller, internal listener
    es = free_block(19200, (0, 100), taken)  # HTTP, transport
    s3 = free_block(19000, (0,), taken)
    env = {
        "DOZOR_STACK_HOME": str(home),
        "DOZOR_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka}",
        "DOZOR_ES_URL": f"https://127.0.0.1:{es}",
        "DOZOR_MEDIA_S3_ENDPOINT": f"http://127.0.0.1:{s3}",
        "DOZOR_MEDIA_URL": (home / "media").as_uri(),
    }
    if os.environ.get("DOZOR_CACHE_DIR"):
        env["DOZOR_CACHE_DIR"] = os.environ["DOZOR_CACHE_DIR"]
    stack = SecureStack(home, logs, env)
    proc = stack.run(None, "stack", "up", "--secure", "--timeout", str(timeout_s), timeout_s=timeout_s + 120)
    if proc.returncode != 0:
        stop(stack)
        raise RuntimeError(f"`dozor stack up --secure` failed:\n{proc.stderr[-3000:]}")
    return stack, proc.stderr


def stop(stack: SecureStack) -> None:
    stack.run(None, "stack", "down", timeout_s=120)
    shutil.rmtree(stack.home, ignore_errors=True)
    if os.environ.get("DOZOR_TEST_KEEP_LOGS") == "1":
        print(f"secure stack run logs kept in {stack.logs}")
    else:
        shutil.rmtree(stack.logs, ignore_errors=True)

"""One Elasticsearch node on loopback from the integ-test-zip, run as a dedicated non-root user
(Elasticsearch refuses to run as root)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import httpx

from dozor.errors import DozorError
from dozor.stack.endpoints import Endpoints
from dozor.stack.es_secure import ESSecurity, tls_settings
from dozor.stack.fetch import unpack_zip
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed, require_free, tail
from dozor.stack.versions import ES_VERSION

ES_USER = os.environ.get("DOZOR_ES_USER", "dozor-es")


def java_home() -> Path:
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            return Path(os.environ[var])
    java = shutil.which("java")
    if java is None:
        raise DozorError("Java 17+ is needed for the local Elasticsearch: apt-get install openjdk-17-jre-headless")
    return Path(os.path.realpath(java)).parent.parent


def ensure_user(home: Path) -> tuple[int, int]:
    """The system user that runs ES when we are root (created on first use)."""
    try:
        entry = pwd.getpwnam(ES_USER)
    except KeyError:
        cmd = [
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            ES_USER,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise DozorError(f"could not create the user {ES_USER} for Elasticsearch: {proc.stderr.strip()}") from None
        entry = pwd.getpwnam(ES_USER)
    return entry.pw_uid, grp.getgrgid(entry.pw_gid).gr_gid


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


class ESNode:
    name = "elasticsearch"

    def __init__(self, paths: StackPaths, ep: Endpoints, heap: str = "1g", security: ESSecurity | None = None) -> None:
        self.paths, self.ep, self.heap, self.security = paths, ep, heap, security
        self.install = paths.es_install
        self.data = paths.data("es", ep.es_port)
        self.log_dir = paths.logs("es", ep.es_port)
        self.proc = Managed("elasticsearch", paths.run / f"es-{ep.es_port}.pid")
        self.config_dir = self.data.parent / "config"

    @property
    def url(self) -> str:
        scheme = "https" if self.security else "http"
        return f"{scheme}://{self.ep.es_host}:{self.ep.es_port}"

    def _http(self, timeout_s: float) -> httpx.Client:
        """A client for the node's own checks: over TLS with the stack's CA and its admin user when secure."""
        if self.security is None:
            return httpx.Client(timeout=timeout_s)
        return httpx.Client(timeout=timeout_s, verify=str(self.security.material.ca), auth=self.security.admin_auth())

    @property
    def log_file(self) -> Path:
        return self.log_dir / "dozor-local.log"

    def install_from(self, archive: Path) -> None:
        marker = self.install / ".complete"
        if marker.exists():
            return
        self.paths.home.mkdir(parents=True, exist_ok=True)
        if self.install.exists():
            shutil.rmtree(self.install)
        unpack_zip(archive, self.paths.home)
        marker.write_text(ES_VERSION + "\n")

    def configure(self) -> None:
        for d in (self.data, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        # A config dir per node (ES_PATH_CONF), seeded from the install's defaults.
        if not self.config_dir.exists():
            shutil.copytree(self.install / "config", self.config_dir)
        settings = {
            "cluster.name": "dozor-local",
            "node.name": f"dozor-{self.ep.es_port}",
            "path.data": str(self.data),
            "path.logs": str(self.log_dir),
            "network.host": self.ep.es_host,
            "http.port": str(self.ep.es_port),
            "transport.port": str(self.ep.es_transport_port),
            "discovery.type": "single-node",
            **(tls_settings() if self.security else {"xpack.security.enabled": "false"}),
            # A nearly full disk must not turn the local node read-only or red.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "action.auto_create_index": "true",
        }
        (self.config_dir / "elasticsearch.yml").write_text("".join(f"{k}: {v}\n" for k, v in settings.items()))
        opts = self.config_dir / "jvm.options.d"
        opts.mkdir(exist_ok=True)
        (opts / "heap.options").write_text(f"-Xms{self.heap}\n-Xmx{self.heap}\n")
        self.write_security()

    def write_security(self) -> None:
        """Certificates, users and roles into the node's config (ES re-reads the realm files by itself)."""
        if self.security is None:
            return
        self.security.write_config(self.config_dir)
        if os.geteuid() == 0:
            user, group = ensure_user(self.paths.home)
            _chown_tree(self.config_dir, user, group)

    def start(self) -> None:
        require_free(self.ep.es_host, self.ep.es_port, "Elasticsearch HTTP", "DOZOR_ES_URL")
        require_free(
            self.ep.es_host, self.ep.es_transport_port, "Elasticsearch transport (HTTP port + 100)", "DOZOR_ES_URL"
        )
        self.configure()
        user = group = None
        if os.geteuid() == 0:
            user, group = ensure_user(self.paths.home)
            for path in (self.install, self.data.parent, self.log_dir):
                _chown_tree(path, user, group)
            os.chmod(self.paths.home, 0o755)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home()),
            "ES_PATH_CONF": str(self.config_dir),
            "HOME": str(self.data.parent),
            "LANG": "C.UTF-8",
        }
        self.proc.start(
            [str(self.install / "bin" / "elasticsearch")],
            cwd=self.data.parent,
            env=env,
            log_file=self.log_dir / "stdout.log",
            user=user,
            group=group,
        )

    def health(self, timeout_s: float = 2.0) -> str | None:
        try:
            with self._http(timeout_s) as http:
                resp = http.get(f"{self.url}/_cluster/health")
            if resp.status_code == 200:
                return str(resp.json().get("status"))
        except (httpx.HTTPError, ValueError, DozorError):
            return None
        return None

    def healthy(self) -> bool:
        return self.health() in ("green", "yellow")

    def version(self) -> str | None:
        try:
            with self._http(2.0) as http:
                resp = http.get(f"{self.url}/_nodes/_local/_none")
            nodes = resp.json().get("nodes", {})
            return next(iter(nodes.values())).get("version") if nodes else None
        except (httpx.HTTPError, ValueError, StopIteration, DozorError):
            return None

    def ready_or_raise(self, remaining_s: float) -> bool:
        """True when healthy; raises when the process died or the time is up."""
        if not self.proc.alive():
            raise DozorError(
                f"Elasticsearch exited during start. Last lines of {self.log_file}:\n{tail(self.log_file)}\n"
                f"(stdout: {tail(self.log_dir / 'stdout.log', 8)})"
            )
        if self.healthy():
            return True
        if remaining_s > 0:
            return False
        raise DozorError(
            f"Elasticsearch not ready after the timeout. Last lines of {self.log_file}:\n"
            f"{tail(self.log_file)}\nCheck the log, then `dozor stack down` and `dozor stack up` again."
        )

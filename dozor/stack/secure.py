"""The secure local stack's material, kept in `<stack home>/security` (mode 0700): a CA and the
certificates of Elasticsearch and Kafka, made once by Elasticsearch's own `bin/elasticsearch-certutil`
(the CA's private key is dropped after signing: nothing can issue another certificate), and one
generated password per user and service in `secrets.json` (mode 0600; never printed)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from dozor.errors import DozorError
from dozor.stack.principals import es_users, kafka_users

# Both nodes listen on loopback only; clients check these names against the certificates.
INSTANCES = """instances:
  - name: elasticsearch
    ip: ["127.0.0.1", "::1"]
    dns: ["localhost"]
  - name: kafka
    ip: ["127.0.0.1", "::1"]
    dns: ["localhost"]
"""
KAFKA_DN = "CN=kafka"  # the broker's certificate: its principal on the internal (mutual TLS) listeners
# The CLI tools start a JVM each; the quick JIT tier halves their CPU time here.
CLI_JAVA_OPTS = "-XX:TieredStopAtLevel=1"


@dataclass(frozen=True)
class Security:
    dir: Path

    @classmethod
    def of(cls, home: Path) -> Security:
        return cls(home / "security")

    @property
    def secrets_file(self) -> Path:
        return self.dir / "secrets.json"

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    def cert(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.dir / f"{name}.key"

    @property
    def kafka_pem(self) -> Path:
        """Kafka's PEM key store: the private key (PKCS#8, which Kafka requires) and the certificate."""
        return self.dir / "kafka.pem"

    @property
    def enabled(self) -> bool:
        """This stack home was made secure (it stays so)."""
        return self.secrets_file.is_file()

    @property
    def complete(self) -> bool:
        files = (self.secrets_file, self.ca, self.kafka_pem, self.cert("elasticsearch"), self.key("elasticsearch"))
        return all(p.is_file() for p in files)

    def ensure(self, es_install: Path, java_home: Path) -> None:
        """Passwords and certificates, made once (a no-op when they exist)."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.dir, 0o700)
        if not self.secrets_file.exists():
            self._write_secrets()
        if not self.complete:
            self._make_certs(es_install, java_home)

    def _write_secrets(self) -> None:
        data = {
            "elasticsearch": {user: secrets.token_urlsafe(24) for user in es_users()},
            "kafka": {user: secrets.token_urlsafe(24) for user in kafka_users()},
        }
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)

    def password(self, service: str, user: str) -> SecretStr:
        try:
            return SecretStr(json.loads(self.secrets_file.read_text())[service][user])
        except (OSError, ValueError, KeyError):
            raise DozorError(f"no {service} password for {user} in {self.secrets_file}") from None

    def passwords(self, service: str) -> dict[str, SecretStr]:
        data = json.loads(self.secrets_file.read_text())[service]
        return {user: SecretStr(pw) for user, pw in data.items()}

    def _certutil(self, es_install: Path, java_home: Path, args: list[str], cwd: Path) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(es_install / "config"),
            "CLI_JAVA_OPTS": CLI_JAVA_OPTS,
            "LANG": "C.UTF-8",
        }
        cmd = [str(es_install / "bin" / "elasticsearch-certutil"), *args, "--silent", "--pem"]
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise DozorError(f"elasticsearch-certutil {args[0]} failed: {(proc.stdout + proc.stderr).strip()[-400:]}")

    def _make_certs(self, es_install: Path, java_home: Path) -> None:
        with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            work = Path(tmp)
            self._certutil(
                es_install, java_home, ["ca", "--out", str(work / "ca.zip"), "--ca-dn", "CN=Dozor local CA"], work
            )
            _unzip(work / "ca.zip", work)
            (work / "instances.yml").write_text(INSTANCES)
            self._certutil(
                es_install,
                java_home,
                [
                    "cert",
                    "--in",
                    str(work / "instances.yml"),
                    "--ca-cert",
                    str(work / "ca" / "ca.crt"),
                    "--ca-key",
                    str(work / "ca" / "ca.key"),
                    "--out",
                    str(work / "certs.zip"),
                ],
                work,
            )
            _unzip(work / "certs.zip", work)
            for name in ("elasticsearch", "kafka"):
                shutil.copyfile(work / name / f"{name}.crt", self.cert(name))
                _write_private(self.key(name), _pkcs8(work / name / f"{name}.key"))
            _write_private(self.kafka_pem, self.key("kafka").read_bytes() + self.cert("kafka").read_bytes())
            shutil.copyfile(work / "ca" / "ca.crt", self.ca)  # the CA's key goes with the temporary directory


def _unzip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)


def _pkcs8(key_file: Path) -> bytes:
    """certutil writes PKCS#1 keys; Kafka's PEM key store reads PKCS#8 only."""
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)

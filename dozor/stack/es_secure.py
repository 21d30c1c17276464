"""Elasticsearch's side of the secure stack: TLS on HTTP and transport with the stack's certificates,
and the file realm (users, their roles, config/roles.yml) as the only realm.

The users file is written here in the format `bin/elasticsearch-users useradd` writes with
`password_hashing.algorithm: pbkdf2` (`{PBKDF2}<iterations>$<salt>$<key>`: PBKDF2-HMAC-SHA512,
32-byte salt and key, base64; checked against that tool's own output): the tool starts a JVM per
user, 10-30 s each on a busy machine, for a file the stack rewrites on every start."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from dozor.stack.secure import Security

PBKDF2_ITERATIONS = 10_000


def pbkdf2_hash(password: str, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(32)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 32)
    return f"{{PBKDF2}}{iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def tls_settings() -> dict[str, str]:
    """elasticsearch.yml lines: security on, TLS on both layers, the file realm alone."""
    out = {
        "xpack.security.enabled": "true",
        "xpack.security.authc.password_hashing.algorithm": "pbkdf2",
        "xpack.security.authc.realms.file.local.order": "0",
        # No `elastic` user: the setup user is a file-realm user like the others.
        "xpack.security.authc.reserved_realm.enabled": "false",
    }
    for layer in ("http", "transport"):
        out.update(
            {
                f"xpack.security.{layer}.ssl.enabled": "true",
                f"xpack.security.{layer}.ssl.key": "certs/elasticsearch.key",
                f"xpack.security.{layer}.ssl.certificate": "certs/elasticsearch.crt",
                f"xpack.security.{layer}.ssl.certificate_authorities": "certs/ca.crt",
            }
        )
    out["xpack.security.transport.ssl.verification_mode"] = "certificate"
    return out


@dataclass(frozen=True)
class ESSecurity:
    material: Security
    roles: dict[str, Any]  # roles.yml
    user_roles: dict[str, list[str]]  # role -> users
    admin: str

    def admin_auth(self) -> tuple[str, str]:
        return self.admin, self.material.password("elasticsearch", self.admin).get_secret_value()

    def write_config(self, config_dir: Path) -> None:
        """Certificates and the file realm into the node's config directory (read by the ES user only)."""
        certs = config_dir / "certs"
        certs.mkdir(exist_ok=True, mode=0o700)
        shutil.copyfile(self.material.ca, certs / "ca.crt")
        shutil.copyfile(self.material.cert("elasticsearch"), certs / "elasticsearch.crt")
        _write_private(certs / "elasticsearch.key", self.material.key("elasticsearch").read_text())
        passwords: dict[str, SecretStr] = self.material.passwords("elasticsearch")
        _write_private(
            config_dir / "users",
            "".join(f"{user}:{pbkdf2_hash(pw.get_secret_value())}\n" for user, pw in sorted(passwords.items())),
        )
        _write_private(
            config_dir / "users_roles",
            "".join(f"{role}:{','.join(users)}\n" for role, users in self.user_roles.items()),
        )
        _write_private(config_dir / "roles.yml", yaml.safe_dump(self.roles, sort_keys=True))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)

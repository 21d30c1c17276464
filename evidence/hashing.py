"""Canonical JSON and SHA-256 helpers (docs/architecture.md, "Media and evidence").

Canonical JSON is ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` as UTF-8:
the same object always gives the same bytes, so its hash can be recomputed by anyone with a JSON library.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

CHUNK = 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(obj: Any) -> str:
    """The SHA-256 of an object's canonical JSON."""
    return sha256_hex(canonical_json(obj))


def sha256_stream(stream: IO[bytes]) -> tuple[str, int]:
    """Hash a stream in chunks without holding it in memory: (hex digest, size in bytes)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return sha256_stream(fh)


def copy_hashing(source: IO[bytes], sinks: Iterable[IO[bytes]]) -> tuple[str, int]:
    """Copy a stream into each sink, hashing on the way: (hex digest, size)."""
    outs = list(sinks)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
        for out in outs:
            out.write(chunk)
    return digest.hexdigest(), size


def is_sha256(value: object) -> bool:
    """A lowercase hex SHA-256 (the blob store's key form)."""
    return isinstance(value, str) and _HEX64.match(value) is not None

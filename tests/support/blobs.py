"""A test fake of the blob store's read side (media.store's API): a directory of files named by
their SHA-256 under ``sha256/ab/cd/<hex>``. Evidence tests use it where the real store is not needed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO


class DirBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return sha

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def open(self, sha256: str) -> IO[bytes]:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

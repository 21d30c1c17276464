"""STAND-IN for ``media.store`` (branch media-store): a local, content-addressed store, file:// only.

Only here so that capture and its tests run before the real store is merged; the lead replaces it with
``media.store.open_store`` (see media/blobs.py). Same layout as the contract: ``sha256/ab/cd/<hex>``;
storing twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import Field

from dozor.errors import ConfigError
from dozor.settings import DozorSettings, load
from dozor.stack.paths import StackPaths

CHUNK = 1024 * 1024


def default_media_url() -> str:
    return "file://" + str(StackPaths.default().home / "media")


class StandInMediaSettings(DozorSettings):
    media_url: str = Field(default_factory=default_media_url, description="blob store location (file:// only here)")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool


class StandInBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        return self.root / "sha256" / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def get(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def put(self, data: bytes) -> StoredBlob:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return StoredBlob(sha, len(data), False)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, target)
        return StoredBlob(sha, len(data), True)

    def put_file(self, path: Path) -> StoredBlob:
        digest, size = hashlib.sha256(), 0
        self.root.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as src, tempfile.NamedTemporaryFile(dir=self.root, delete=False) as tmp:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                tmp.write(chunk)
        sha = digest.hexdigest()
        target = self.path(sha)
        if target.is_file():
            os.unlink(tmp.name)
            return StoredBlob(sha, size, False)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(tmp.name, target)
        return StoredBlob(sha, size, True)


def open_standin_store(settings: StandInMediaSettings | None = None) -> StandInBlobStore:
    settings = settings or load(StandInMediaSettings)
    url = urlparse(settings.media_url)
    if url.scheme != "file" or not url.path:
        raise ConfigError(
            f"DOZOR_MEDIA_URL={settings.media_url!r}: this build stores media locally only; use a file:///path URL"
        )
    return StandInBlobStore(Path(unquote(url.path)))

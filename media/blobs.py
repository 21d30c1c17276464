"""The part of the blob store that capture needs (put, put_file, exists), as a Protocol.

Capture code depends on this narrow interface, not on a store implementation. ``open_blob_store``
opens the configured store (``DOZOR_MEDIA_URL``).

MERGE NOTE: until the real ``media.store`` (branch media-store) is on this branch, ``open_blob_store``
uses :mod:`media.standin_store`. When merging, make it ``open_store(load(MediaSettings))`` from
``media.store`` / ``media.settings`` and delete ``media/standin_store.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Blob(Protocol):
    @property
    def sha256(self) -> str: ...

    @property
    def size(self) -> int: ...


class BlobStore(Protocol):
    def put(self, data: bytes) -> Blob: ...

    def put_file(self, path: Path) -> Blob: ...

    def exists(self, sha: str) -> bool: ...


def open_blob_store() -> BlobStore:
    """The store named by the settings (``DOZOR_MEDIA_URL``); fails at start with a ConfigError."""
    from media.standin_store import open_standin_store

    return open_standin_store()

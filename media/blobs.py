"""The part of the blob store that capture needs (put, put_file, exists), as a Protocol.

Capture code depends on this narrow interface, not on a store implementation. ``open_blob_store``
opens the configured store (``DOZOR_MEDIA_URL``): :func:`media.store.open_store`.
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
    from dozor.settings import load
    from media.settings import MediaSettings
    from media.store import open_store

    return open_store(load(MediaSettings))

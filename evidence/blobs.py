"""The blob store as the evidence package needs it: read-only, by SHA-256 (``media.store``'s API)."""

from __future__ import annotations

import importlib
from typing import IO, Protocol, cast

from dozor.settings import load


class BlobReader(Protocol):
    def get(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> IO[bytes]: ...

    def exists(self, sha256: str) -> bool: ...


def open_blob_store() -> BlobReader | None:
    """The configured blob store (DOZOR_MEDIA_URL), or None where the media package is not installed."""
    try:
        store = importlib.import_module("media.store")
        media_settings = importlib.import_module("media.settings")
    except ModuleNotFoundError:
        return None
    return cast(BlobReader, store.open_store(load(media_settings.MediaSettings)))

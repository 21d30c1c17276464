"""The blob store's contract, as checks run against every backend: the local filesystem in the unit
tests, S3 (the local S3Proxy) in the integration tests. Each check takes a factory that opens a fresh,
empty store (optionally with a quota in MB)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from media.store import BlobCorrupt, BlobMissing, BlobStore, QuotaExceeded, StoreUsage


class StoreFactory(Protocol):
    def __call__(self, quota_mb: int = 0) -> BlobStore: ...


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stamp(store: BlobStore, sha: str) -> object:
    info = store.fs.info(store.path(sha))
    return info.get("mtime", info.get("LastModified"))


def put_is_content_addressed(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    data = os.urandom(70_000)
    blob = store.put(data)
    assert (blob.sha256, blob.size, blob.created) == (_sha(data), len(data), True)
    assert store.path(blob.sha256).endswith(f"/sha256/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}")
    assert store.exists(blob.sha256)
    assert store.get(blob.sha256) == data
    with store.open(blob.sha256) as fh:
        assert fh.read() == data


def reput_is_a_noop(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    data = os.urandom(50_000)
    first = store.put(data)
    before = _stamp(store, first.sha256)
    time.sleep(1.1)  # S3 timestamps have one-second resolution: a rewrite would show
    again = store.put(data)
    source = tmp_path / "same.bin"
    source.write_bytes(data)
    from_file = store.put_file(source)
    assert (again.created, from_file.created) == (False, False)
    assert again.sha256 == from_file.sha256 == first.sha256
    assert _stamp(store, first.sha256) == before
    assert store.usage() == StoreUsage(1, len(data))


def put_file_hashes_what_it_copies(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    # Empty, a photo-sized file, and one past the S3 part size (a multipart upload there).
    for size in (0, 3_000_000, 20_000_000):
        data = os.urandom(size)
        source = tmp_path / f"f{size}.bin"
        source.write_bytes(data)
        blob = store.put_file(source)
        assert (blob.sha256, blob.size, blob.created) == (_sha(data), size, True)
        assert store.get(blob.sha256) == data
        assert store.put(data).created is False


def missing_and_bad_hashes(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    absent = _sha(b"never stored")
    assert not store.exists(absent)
    with pytest.raises(BlobMissing):
        store.get(absent)
    with pytest.raises(BlobMissing):
        store.open(absent)
    assert store.delete(absent) is False
    for bad in ("ABC", absent.upper(), "../" + absent[3:], absent + "0"):
        with pytest.raises(ValueError, match="SHA-256"):
            store.exists(bad)


def get_detects_tampering(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    blob = store.put(b"the original decree")
    store.fs.pipe_file(store.path(blob.sha256), b"the forged decree")
    with pytest.raises(BlobCorrupt):
        store.get(blob.sha256)
    assert store.get(blob.sha256, verify=False) == b"the forged decree"


def quota_refuses_with_a_reason(make: StoreFactory, tmp_path: Path) -> None:
    store = make(quota_mb=1)
    kept = os.urandom(600_000)
    store.put(kept)
    with pytest.raises(QuotaExceeded) as err:
        store.put(os.urandom(600_000))
    assert "DOZOR_MEDIA_QUOTA_MB" in err.value.reason
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(600_000))
    with pytest.raises(QuotaExceeded):
        store.put_file(source)
    assert store.put(kept).created is False  # what is stored already never counts twice
    assert store.usage() == StoreUsage(1, len(kept))
    assert store.delete(_sha(kept))
    assert store.put_file(source).created  # room again after the delete


def prune_deletes_what_it_is_given(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    blobs = [store.put(os.urandom(10_000 + i)) for i in range(3)]
    absent = _sha(b"gone already")
    doomed = [blobs[0].sha256, blobs[1].sha256, absent, blobs[0].sha256]
    dry = store.prune(doomed, dry_run=True)
    assert (set(dry.deleted), dry.absent, dry.bytes, dry.dry_run) == (set(doomed[:2]), (absent,), 20_001, True)
    assert store.usage().objects == 3
    done = store.prune(doomed)
    assert (set(done.deleted), done.bytes) == (set(doomed[:2]), 20_001)
    assert store.usage() == StoreUsage(1, blobs[2].size)
    assert store.exists(blobs[2].sha256) and not store.exists(blobs[0].sha256)


CONTRACT: list[Callable[[StoreFactory, Path], None]] = [
    put_is_content_addressed,
    reput_is_a_noop,
    put_file_hashes_what_it_copies,
    missing_and_bad_hashes,
    get_detects_tampering,
    quota_refuses_with_a_reason,
    prune_deletes_what_it_is_given,
]

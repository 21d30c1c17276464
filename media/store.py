"""The content-addressed blob store: key = lowercase hex SHA-256 of the bytes, object path
`sha256/ab/cd/<hex>` under the store's root, one interface over fsspec (local) and s3fs (S3).

Writing a hash that is already there is a no-op (`created=False`). Locally a blob is written to
`tmp/` and renamed into place, so a crash never leaves half a blob under its hash; on S3 an object
only appears once its upload completes. Reads check the bytes against their hash (`get`).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from dozor.errors import DozorError
from media.backends import Backend, fsync_dir, open_backend
from media.settings import MediaSettings

CHUNK = 1 << 20
S3_PART = 16 << 20  # multipart part size (S3Proxy buffers a single PUT: keep bodies small)
USAGE_TTL_S = 300.0  # how long a quota check trusts its last full scan (plus its own writes)
_HEX64 = re.compile(r"[0-9a-f]{64}")


class BlobStoreError(DozorError):
    """The blob store could not do what was asked."""


class QuotaExceeded(BlobStoreError):
    """Storing would pass DOZOR_MEDIA_QUOTA_MB: the caller records the media as "skipped" with `reason`."""

    def __init__(self, size: int, used: int, quota: int) -> None:
        self.size, self.used, self.quota = size, used, quota
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return (
            f"media store quota reached: {self.used / 1e6:.1f} MB used + {self.size / 1e6:.1f} MB "
            f"> {self.quota / 1e6:.1f} MB (DOZOR_MEDIA_QUOTA_MB)"
        )


class BlobMissing(BlobStoreError):
    """No blob under that hash."""


class BlobCorrupt(BlobStoreError):
    """The stored bytes no longer hash to their name."""


class SourceChanged(BlobStoreError):
    """The file changed while it was being stored; nothing was kept."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool


@dataclass(frozen=True)
class StoreUsage:
    objects: int
    bytes: int


@dataclass(frozen=True)
class PruneReport:
    deleted: tuple[str, ...]  # hashes removed (or that would be, with dry_run)
    absent: tuple[str, ...]  # hashes that were not in the store
    bytes: int  # bytes freed (or that would be)
    dry_run: bool


def check_sha(sha: str) -> str:
    if not _HEX64.fullmatch(sha):
        raise ValueError(f"not a lowercase hex SHA-256: {sha!r}")
    return sha


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobStore:
    def __init__(self, backend: Backend, *, url: str, quota_bytes: int = 0, fsync: bool = True) -> None:
        self.fs: Any = backend.fs
        self.root, self.local, self.url = backend.root, backend.local, url
        self.quota_bytes, self.fsync = quota_bytes, fsync
        self._lock = threading.Lock()
        self._used: int | None = None  # bytes as of the last scan, plus our own writes since
        self._scanned_at = 0.0

    def path(self, sha: str) -> str:
        check_sha(sha)
        return f"{self.root}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"

    # Writing
    def put(self, data: bytes) -> StoredBlob:
        sha = hashlib.sha256(data).hexdigest()
        dest = self.path(sha)
        if self._exists(dest):
            return StoredBlob(sha, len(data), created=False)
        self._reserve(len(data))
        try:
            if self.local:
                tmp, _, _ = self._write_temp([data], digest=None)
                try:
                    self._commit_local(tmp, dest)
                finally:
                    if os.path.exists(tmp):
                        os.remove(tmp)
            else:
                self.fs.pipe_file(dest, data, chunksize=S3_PART)
        except BaseException:
            self._account(-len(data))
            raise
        return StoredBlob(sha, len(data), created=True)

    def put_file(self, path: str | os.PathLike[str]) -> StoredBlob:
        """Store a file without holding it in memory, hashing while copying."""
        source = Path(path)
        if not self.local:
            return self._put_file_s3(source)
        with source.open("rb") as src:
            tmp, sha, size = self._write_temp(iter(lambda: src.read(CHUNK), b""), digest=hashlib.sha256())
        dest = self.path(sha)
        try:
            if self._exists(dest):
                return StoredBlob(sha, size, created=False)
            self._reserve(size)  # after the copy, so a file already stored never counts
            try:
                self._commit_local(tmp, dest)
            except BaseException:
                self._account(-size)
                raise
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return StoredBlob(sha, size, created=True)

    def _put_file_s3(self, source: Path) -> StoredBlob:
        if source.stat().st_size <= S3_PART:
            return self.put(source.read_bytes())  # one read, one PUT: the bytes sent are the bytes hashed
        # A large file: its key is its hash, so hash first (a local read) and upload only what is new,
        # hashing again while uploading: a file that changed in between is discarded, never committed.
        sha, size = _hash_file(source)
        dest = self.path(sha)
        if self._exists(dest):
            return StoredBlob(sha, size, created=False)
        self._reserve(size)
        digest = hashlib.sha256()
        out = self.fs.open(dest, "wb", block_size=S3_PART, autocommit=False)
        try:
            with source.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            out.close()
            if digest.hexdigest() != sha:
                raise SourceChanged(f"{source} changed while it was stored; nothing was kept")
            out.commit()
        except BaseException:
            self._account(-size)
            out.discard()
            raise
        return StoredBlob(sha, size, created=True)

    def _write_temp(self, chunks: Iterable[bytes], digest: Any) -> tuple[str, str, int]:
        """Write to a new temp file beside the store (same filesystem, so the rename is atomic),
        hashing on the way when given a digest."""
        tmp = f"{self.root}/tmp/{uuid.uuid4().hex}.part"
        size = 0
        try:
            with self.fs.open(tmp, "wb") as out:
                for chunk in chunks:
                    if digest is not None:
                        digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                if self.fsync:
                    out.flush()
                    os.fsync(out.fileno())
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return tmp, digest.hexdigest() if digest is not None else "", size

    def _commit_local(self, tmp: str, dest: str) -> None:
        parent = os.path.dirname(dest)
        try:
            os.replace(tmp, dest)  # atomic on one filesystem (tmp/ sits beside sha256/)
        except FileNotFoundError:
            self.fs.makedirs(parent, exist_ok=True)  # the first blob under this ab/cd/
            os.replace(tmp, dest)
        if self.fsync:
            fsync_dir(parent)

    # Reading
    def exists(self, sha: str) -> bool:
        return self._exists(self.path(sha))

    def _exists(self, path: str) -> bool:
        if self.local:
            return os.path.isfile(path)
        # One HEAD: s3fs's exists() also lists the prefix when the key is missing (a "directory"?).
        try:
            self.fs.call_s3("head_object", **self._bucket_key(path))
            return True
        except FileNotFoundError:
            return False

    @staticmethod
    def _bucket_key(path: str) -> dict[str, str]:
        bucket, _, key = path.partition("/")
        return {"Bucket": bucket, "Key": key}

    def get(self, sha: str, *, verify: bool = True) -> bytes:
        try:
            data = cast(bytes, self.fs.cat_file(self.path(sha)))
        except FileNotFoundError:
            raise BlobMissing(f"no blob {sha} in {self.url}") from None
        if verify and hashlib.sha256(data).hexdigest() != sha:
            raise BlobCorrupt(f"blob {sha} in {self.url} does not match its hash")
        return data

    def open(self, sha: str) -> BinaryIO:
        """A binary stream of the blob (not verified: hash what you read if it matters)."""
        try:
            return cast(BinaryIO, self.fs.open(self.path(sha), "rb"))
        except FileNotFoundError:
            raise BlobMissing(f"no blob {sha} in {self.url}") from None

    # Removing
    def delete(self, sha: str) -> bool:
        """Remove one blob; False when it was not there."""
        path = self.path(sha)
        size = self._size(path)
        if size is None:
            return False
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return False  # removed meanwhile by someone else
        self._account(-size)
        return True

    def prune(self, hashes: Iterable[str], *, dry_run: bool = False) -> PruneReport:
        """Delete the given blobs (retention). Blobs are shared by content: pass only hashes that no
        retained post or evidence entry references any more; deciding that is the caller's job.
        One request per object on S3: batch DeleteObjects needs Content-MD5, which current botocore
        replaced by a CRC32 that S3-compatible servers (S3Proxy too) refuse."""
        found: dict[str, int] = {}
        absent: list[str] = []
        for sha in dict.fromkeys(hashes):
            size = self._size(self.path(sha))
            if size is None:
                absent.append(sha)
            else:
                found[sha] = size
        if not dry_run:
            for sha, size in found.items():
                try:
                    self.fs.rm_file(self.path(sha))
                except FileNotFoundError:
                    continue  # removed meanwhile by someone else
                self._account(-size)
        return PruneReport(tuple(found), tuple(absent), sum(found.values()), dry_run)

    def _size(self, path: str) -> int | None:
        """The object's size, or None when there is none."""
        try:
            if self.local:
                return os.stat(path).st_size
            return int(self.fs.call_s3("head_object", **self._bucket_key(path))["ContentLength"])
        except FileNotFoundError:
            return None

    # Size
    def usage(self) -> StoreUsage:
        """Objects and bytes stored (a full listing: seconds for a large S3 bucket)."""
        try:
            listing = self.fs.find(f"{self.root}/sha256", detail=True)
        except FileNotFoundError:
            return StoreUsage(0, 0)
        files = [info for info in listing.values() if info.get("type") == "file"]  # S3 lists directories too
        return StoreUsage(len(files), sum(int(info["size"]) for info in files))

    def _reserve(self, size: int) -> None:
        """Count `size` against the quota or raise QuotaExceeded. The count is a full scan at most every
        USAGE_TTL_S plus this process's own writes: other writers show up at the next scan."""
        if not self.quota_bytes:
            return
        with self._lock:
            if self._used is None or time.monotonic() - self._scanned_at > USAGE_TTL_S:
                self._used, self._scanned_at = self.usage().bytes, time.monotonic()
            if self._used + size > self.quota_bytes:
                raise QuotaExceeded(size, self._used, self.quota_bytes)
            self._used += size

    def _account(self, delta: int) -> None:
        with self._lock:
            if self._used is not None:
                self._used = max(0, self._used + delta)


def open_store(settings: MediaSettings) -> BlobStore:
    """The blob store DOZOR_MEDIA_URL names (checked at once: a missing bucket is created, a bad
    location or endpoint fails here, naming the setting)."""
    return BlobStore(
        open_backend(settings),
        url=settings.media_url,
        quota_bytes=settings.media_quota_bytes,
        fsync=settings.media_fsync,
    )

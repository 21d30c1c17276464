"""The fsspec filesystem behind the blob store: the local filesystem or S3 (s3fs), from MediaSettings."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import BotoCoreError
from fsspec.implementations.local import LocalFileSystem
from s3fs import S3FileSystem

from dozor.errors import ConfigError, DozorError
from dozor.stack.endpoints import LOOPBACK
from dozor.stack.paths import StackPaths
from dozor.stack.s3proxy_node import local_credentials
from media.settings import MediaSettings

STALE_TEMP_S = 24 * 3600


@dataclass(frozen=True)
class Backend:
    fs: Any  # an fsspec AbstractFileSystem (fsspec ships no type hints)
    root: str  # "/abs/dir" locally, "bucket/prefix" on S3
    local: bool


def local_backend(settings: MediaSettings) -> Backend:
    root = Path(unquote(urlsplit(settings.media_url).path)).resolve()
    try:
        (root / "tmp").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"DOZOR_MEDIA_URL={settings.media_url}: cannot create the store directory ({exc.strerror}); "
            "point it at a writable directory"
        ) from None
    _drop_stale_temps(root / "tmp")
    return Backend(LocalFileSystem(auto_mkdir=False), str(root), local=True)  # the store makes its directories


def _drop_stale_temps(tmp: Path) -> None:
    """Half-written blobs of a process that crashed (never visible under a hash) are removed after a day."""
    cutoff = time.time() - STALE_TEMP_S
    for part in tmp.glob("*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
        except OSError:
            continue


def s3_backend(settings: MediaSettings) -> Backend:
    endpoint = str(settings.media_s3_endpoint).rstrip("/")
    url = urlsplit(settings.media_url)
    bucket, prefix = url.netloc, unquote(url.path).strip("/")
    kwargs: dict[str, Any] = {}
    if settings.media_s3_key and settings.media_s3_secret:
        kwargs = {"key": settings.media_s3_key, "secret": settings.media_s3_secret.get_secret_value()}
    else:
        ep = urlsplit(endpoint)
        if ep.hostname in LOOPBACK:
            creds = local_credentials(StackPaths.default(), ep.port or 80)
            if creds is None:
                raise ConfigError(
                    f"no S3 credentials for {endpoint}: set DOZOR_MEDIA_S3_KEY and DOZOR_MEDIA_S3_SECRET, "
                    "or start the local S3Proxy with `dozor stack up`"
                )
            kwargs = {"key": creds.key, "secret": creds.secret.get_secret_value()}
        # else: botocore's own chain (AWS_* variables, instance role).
    fs = S3FileSystem(
        endpoint_url=endpoint,
        client_kwargs={"region_name": settings.media_s3_region},
        # S3-compatible servers (S3Proxy among them) refuse the newer default checksum headers.
        config_kwargs={
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "connect_timeout": 5,
            "read_timeout": 60,
            "retries": {"max_attempts": 2},
        },
        use_listings_cache=False,
        skip_instance_cache=True,
        **kwargs,
    )
    fs.retries = 3  # s3fs's own retry loop on top of botocore's (default 5, with back-off)
    _ensure_bucket(fs, bucket, endpoint, settings.media_s3_region)
    return Backend(fs, f"{bucket}/{prefix}".rstrip("/"), local=False)


def _ensure_bucket(fs: Any, bucket: str, endpoint: str, region: str) -> None:
    """HEAD the bucket and create it when missing (s3fs's exists() asks GetBucketLocation as a fallback,
    which S3Proxy answers for any name, so ask directly)."""
    try:
        try:
            fs.call_s3("head_bucket", Bucket=bucket)
        except FileNotFoundError:
            where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            fs.call_s3("create_bucket", Bucket=bucket, **where)
    except PermissionError as exc:
        raise ConfigError(
            f"S3 at {endpoint} refused access to bucket {bucket}: check DOZOR_MEDIA_S3_KEY / "
            f"DOZOR_MEDIA_S3_SECRET ({exc})"
        ) from None
    except (OSError, BotoCoreError, ValueError) as exc:
        raise DozorError(
            f"S3 endpoint {endpoint} (DOZOR_MEDIA_S3_ENDPOINT) unusable for bucket {bucket}: {exc}; "
            "start it (`dozor stack up`) or fix the URL"
        ) from None


def open_backend(settings: MediaSettings) -> Backend:
    return s3_backend(settings) if settings.media_is_s3 else local_backend(settings)


def fsync_dir(path: str) -> None:
    """Make a rename in this directory durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

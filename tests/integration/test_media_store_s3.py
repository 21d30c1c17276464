"""The blob store's contract against a real S3 server: the local stack's S3Proxy on loopback. Each
store lives under its own prefix in the stack's bucket, removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dozor import settings as cfg
from dozor.errors import ConfigError
from dozor.stack.local import LocalStack
from media.settings import MediaSettings
from media.store import BlobStore, open_store
from tests.support.blob_contract import CONTRACT, StoreFactory


def _settings(stack: LocalStack, prefix: str, **extra: object) -> MediaSettings:
    return cfg.load(
        MediaSettings, media_url=f"s3://{stack.s3.bucket}/{prefix}", media_s3_endpoint=stack.s3.url, **extra
    )


@pytest.fixture()
def make(s3proxy: LocalStack) -> Iterator[StoreFactory]:
    opened: list[BlobStore] = []

    def factory(quota_mb: int = 0) -> BlobStore:
        store = open_store(_settings(s3proxy, f"test-{uuid.uuid4().hex[:10]}", media_quota_mb=quota_mb))
        opened.append(store)
        return store

    yield factory
    for store in opened:  # one DELETE per object: S3Proxy refuses botocore's batch delete
        for path, info in store.fs.find(store.root, detail=True).items():
            if info["type"] == "file":  # S3Proxy lists directories too, and drops them once empty
                store.fs.rm_file(path)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_s3_store_contract(check: Callable[[StoreFactory, Path], None], make: StoreFactory, tmp_path: Path) -> None:
    check(make, tmp_path)


def test_objects_land_in_the_s3proxy_backend_directory(make: StoreFactory, s3proxy: LocalStack) -> None:
    store = make()
    blob = store.put(b"a photographed summons")
    on_disk = s3proxy.s3.data / store.path(blob.sha256)
    assert on_disk.read_bytes() == b"a photographed summons"


def test_a_missing_bucket_is_created(s3proxy: LocalStack) -> None:
    bucket = f"dozor-test-{uuid.uuid4().hex[:8]}"
    settings = cfg.load(MediaSettings, media_url=f"s3://{bucket}", media_s3_endpoint=s3proxy.s3.url)
    store = open_store(settings)
    blob = store.put(b"x")
    assert store.get(blob.sha256) == b"x"
    store.delete(blob.sha256)
    store.fs.call_s3("delete_bucket", Bucket=bucket)


def test_wrong_credentials_fail_at_open_naming_the_settings(s3proxy: LocalStack) -> None:
    settings = _settings(s3proxy, "x", media_s3_key="nobody", media_s3_secret="wrong-secret")
    with pytest.raises(ConfigError, match="DOZOR_MEDIA_S3_KEY"):
        open_store(settings)

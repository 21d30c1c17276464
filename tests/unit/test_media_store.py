"""The blob store on the local filesystem: the shared contract, plus what only a local store promises
(a crash mid-write leaves nothing under the hash) and the settings that open it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dozor import settings as cfg
from dozor.errors import ConfigError
from media.settings import MediaSettings
from media.store import BlobStore, StoreUsage, open_store
from tests.support.blob_contract import CONTRACT, StoreFactory


@pytest.fixture()
def make(tmp_path: Path) -> StoreFactory:
    def factory(quota_mb: int = 0) -> BlobStore:
        url = (tmp_path / f"store-{os.urandom(4).hex()}").as_uri()
        return open_store(cfg.load(MediaSettings, media_url=url, media_quota_mb=quota_mb))

    return factory


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_local_store_contract(check: Callable[[StoreFactory, Path], None], make: StoreFactory, tmp_path: Path) -> None:
    check(make, tmp_path)


KILLED_WRITER = """
import sys
from dozor import settings as cfg
from media.settings import MediaSettings
from media.store import open_store
store = open_store(cfg.load(MediaSettings, media_url=sys.argv[1]))
print("ready", flush=True)
store.put_file(sys.argv[2])
"""


def test_a_crash_mid_write_leaves_no_blob_under_its_hash(tmp_path: Path) -> None:
    root = tmp_path / "store"
    fifo = tmp_path / "incoming"
    os.mkfifo(fifo)
    data = os.urandom(3 << 20)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, root.as_uri(), str(fifo)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    with fifo.open("wb") as pipe:
        pipe.write(data[: 2 << 20])  # the writer is now blocked mid-copy, waiting for the rest
        pipe.flush()
        deadline = time.monotonic() + 20
        parts: list[Path] = []
        while time.monotonic() < deadline and not any(p.stat().st_size for p in parts):
            parts = list((root / "tmp").glob("*.part"))
            time.sleep(0.05)
        assert parts, "the writer never started its temp file"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    store = open_store(cfg.load(MediaSettings, media_url=root.as_uri()))
    assert store.usage() == StoreUsage(0, 0)
    assert not store.exists(hashlib.sha256(data).hexdigest())
    # The half-written temp file stays out of sight, and is cleared once it is a day old.
    (leftover,) = parts
    old = time.time() - 2 * 86400
    os.utime(leftover, (old, old))
    open_store(cfg.load(MediaSettings, media_url=root.as_uri()))
    assert not leftover.exists()
    source = tmp_path / "whole.bin"
    source.write_bytes(data)
    assert store.put_file(source).created


def test_nothing_is_left_in_tmp_after_puts(make: StoreFactory, tmp_path: Path) -> None:
    store = make()
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * 100)
    store.put_file(source)
    store.put_file(source)
    store.put(b"y")
    assert not list(Path(store.root, "tmp").iterdir())


def test_without_fsync_the_contract_holds(tmp_path: Path) -> None:
    store = open_store(cfg.load(MediaSettings, media_url=(tmp_path / "s").as_uri(), media_fsync=False))
    blob = store.put(b"fast import")
    assert store.get(blob.sha256) == b"fast import" and not store.put(b"fast import").created


def test_default_location_is_under_the_stack_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DOZOR_MEDIA_URL", raising=False)
    monkeypatch.setenv("DOZOR_STACK_HOME", str(tmp_path / "home"))
    settings = cfg.load(MediaSettings)
    assert settings.media_url == (tmp_path / "home" / "media").as_uri()
    assert settings.media_quota_mb == 0 and not settings.media_is_s3


@pytest.mark.parametrize(
    ("env", "value", "field"),
    [
        ("DOZOR_MEDIA_URL", "relative/dir", "media_url"),
        ("DOZOR_MEDIA_URL", "s3://", "media_url"),
        ("DOZOR_MEDIA_URL", "gs://bucket", "media_url"),
        ("DOZOR_MEDIA_QUOTA_MB", "-1", "media_quota_mb"),
        ("DOZOR_MEDIA_S3_ENDPOINT", "not a url", "media_s3_endpoint"),
    ],
)
def test_a_bad_setting_names_field_and_fix(monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=f"{field}: set {env}"):
        cfg.load(MediaSettings)


def test_s3_key_and_secret_come_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_MEDIA_S3_KEY", "id-only")
    monkeypatch.delenv("DOZOR_MEDIA_S3_SECRET", raising=False)
    with pytest.raises(ConfigError, match="DOZOR_MEDIA_S3_KEY and DOZOR_MEDIA_S3_SECRET together"):
        cfg.load(MediaSettings)
    monkeypatch.setenv("DOZOR_MEDIA_S3_SECRET", "s3cr3t-value")
    settings = cfg.load(MediaSettings)
    assert "s3cr3t-value" not in repr(settings)


def test_an_unwritable_location_fails_at_open(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="DOZOR_MEDIA_URL"):
        open_store(cfg.load(MediaSettings, media_url=(blocker / "media").as_uri()))

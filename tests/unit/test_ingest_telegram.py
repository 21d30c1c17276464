"""Telegram client setup without the network: private session files, clear errors for missing settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from telethon.crypto import AuthKey
from typer.testing import CliRunner

from cli.main import app, build
from dozor.errors import ConfigError
from ingest.settings import IngestSettings
from ingest.telegram import build_client, private_file, session_path

EXAMPLE = Path(__file__).resolve().parents[2] / "ingest" / "samples" / "channels.example.yaml"
build()


def test_session_file_is_created_private(tmp_path: Path) -> None:
    settings = IngestSettings(
        telegram_api_id=12345, telegram_api_hash="0123456789abcdef", telegram_session=tmp_path / "acct" / "main"
    )
    client = build_client(settings)
    path = session_path(settings)
    assert path == tmp_path / "acct" / "main.session"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert client.flood_sleep_threshold == 0  # every FloodWait reaches the collector
    client.session.close()


def test_session_files_stay_private_after_telethon_writes(tmp_path: Path) -> None:
    """Under a permissive umask, what Telethon writes (the login's auth key, its SQLite journal) stays 0600."""
    old = os.umask(0o022)
    try:
        settings = IngestSettings(
            telegram_api_id=12345, telegram_api_hash="0123456789abcdef", telegram_session=tmp_path / "acct" / "main"
        )
        client = build_client(settings)
        client.session.set_dc(2, "149.154.167.51", 443)
        client.session.auth_key = AuthKey(os.urandom(256))
        client.session.save()
        client.session.close()
        client = build_client(settings)  # opened again, as `dozor collect` does
        client.session.close()
    finally:
        os.umask(old)
    files = list((tmp_path / "acct").iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files


def test_existing_loose_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "loose.session"
    path.write_bytes(b"")
    path.chmod(0o644)
    private_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_string_session_from_a_secret_writes_no_file(tmp_path: Path) -> None:
    settings = IngestSettings(
        telegram_api_id=1, telegram_api_hash="x", telegram_session_string="", telegram_session=tmp_path / "s"
    )
    build_client(settings)
    assert not list(tmp_path.iterdir())


def test_missing_api_credentials_name_the_settings() -> None:
    with pytest.raises(ConfigError, match="DOZOR_TELEGRAM_API_ID and DOZOR_TELEGRAM_API_HASH"):
        build_client(IngestSettings(telegram_api_id=None, telegram_api_hash=None))


def test_collect_without_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOZOR_TELEGRAM_API_ID", raising=False)
    monkeypatch.delenv("DOZOR_TELEGRAM_API_HASH", raising=False)
    result = CliRunner().invoke(app, ["collect", "--registry", str(EXAMPLE), "--no-progress"])
    assert result.exit_code == 2
    assert "DOZOR_TELEGRAM_API_ID" in result.output and "Traceback" not in result.output


def test_collect_with_a_bad_registry_names_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "channels.yaml"
    bad.write_text("channels:\n  - {channel: '@fine_name', category: goverment}\n")
    result = CliRunner().invoke(app, ["collect", "--registry", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: entry 1 (@fine_name): category" in result.output


def test_bad_since_is_usage_error() -> None:
    result = CliRunner().invoke(app, ["collect", "--registry", str(EXAMPLE), "--since", "last tuesday"])
    assert result.exit_code == 2 and "--since" in result.output


def test_channels_check_lists_the_registry() -> None:
    result = CliRunner().invoke(app, ["channels", "check", "--registry", str(EXAMPLE)])
    assert result.exit_code == 0
    assert "@safarat_tj_example\tofficial\tTJ\ttg,ru\tmedia: documents up to 20 MB" in result.output
    assert "14 channels, 12 enabled" in result.output

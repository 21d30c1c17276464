"""Building Telethon clients from settings: a session file kept private (0600) or a StringSession."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from telethon import TelegramClient
from telethon.errors import RPCError
from telethon.sessions import StringSession

from dozor.cli_support import debug
from dozor.errors import ConfigError, DozorError
from ingest.settings import IngestSettings

MISSING_API = (
    "set DOZOR_TELEGRAM_API_ID and DOZOR_TELEGRAM_API_HASH (create them at my.telegram.org → API development tools)"
)


def private_file(path: Path) -> Path:
    """Create ``path`` (and its directory, 0700) readable by the owner only, before Telethon opens it."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also tightens a file that existed with looser rights
    return path


def session_path(settings: IngestSettings) -> Path:
    path = settings.telegram_session.expanduser()
    return path if path.suffix == ".session" else path.with_name(path.name + ".session")


def build_client(
    settings: IngestSettings, *, string_session: str | None = None, session_file: Path | None = None
) -> Any:
    if settings.telegram_api_id is None or settings.telegram_api_hash is None:
        raise ConfigError(MISSING_API)
    # Telethon narrates connections at INFO; Dozor reports what matters itself.
    logging.getLogger("telethon").setLevel(logging.DEBUG if debug() else logging.WARNING)
    session: Any
    if string_session is not None:
        session = StringSession(string_session)
    elif session_file is not None:
        session = str(private_file(session_file))
    elif settings.telegram_session_string is not None:
        session = StringSession(settings.telegram_session_string.get_secret_value())
    else:
        session = str(private_file(session_path(settings)))
    # flood_sleep_threshold=0: every FloodWait reaches Dozor, which pauses the whole account.
    return TelegramClient(
        session,
        settings.telegram_api_id,
        settings.telegram_api_hash.get_secret_value(),
        flood_sleep_threshold=0,
    )


async def connect(client: Any) -> bool:
    """Connect; True when the session is signed in. Network trouble becomes one DozorError line."""
    try:
        await client.connect()
        return bool(await client.is_user_authorized())
    except (OSError, asyncio.IncompleteReadError, RPCError) as exc:
        raise DozorError(
            f"cannot reach Telegram ({type(exc).__name__}: {exc}); check the network, a proxy, and the API id/hash"
        ) from exc

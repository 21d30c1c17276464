"""`dozor telegram login`: the first sign-in of an account (phone, code, 2FA password)."""

from __future__ import annotations

import getpass
import os

from rich.console import Console
from telethon.sessions import StringSession

from dozor.errors import DozorError
from ingest.settings import IngestSettings
from ingest.telegram import build_client, connect, session_path

console = Console(stderr=True)


async def login(settings: IngestSettings, *, as_string: bool) -> str:
    """Sign in interactively; return where the session went (a path, or the string to keep secret)."""
    client = build_client(settings, string_session="" if as_string else None)
    try:
        await connect(client)
        await client.start(
            phone=lambda: input("Phone number (international format, e.g. +998901234567): ").strip(),
            code_callback=lambda: input("Login code Telegram just sent you: ").strip(),
            password=lambda: getpass.getpass("Two-step verification password: "),
        )
        me = await client.get_me()
        who = f"@{me.username}" if getattr(me, "username", None) else f"id {me.id}"
        console.print(f"Signed in as {who}.")
        if as_string:
            value = StringSession.save(client.session)
            console.print(
                "Keep this StringSession in a secret store and pass it as DOZOR_TELEGRAM_SESSION_STRING. "
                "Anyone who has it can use this account."
            )
            return str(value)
        path = session_path(settings)
        os.chmod(path, 0o600)
        console.print(
            f"Session saved to {path} (mode 0600; it is a login: keep it private). "
            "`dozor collect` uses it (DOZOR_TELEGRAM_SESSION)."
        )
        return str(path)
    except (EOFError, KeyboardInterrupt):
        raise DozorError("login interrupted; nothing saved") from None
    finally:
        await client.disconnect()

"""Commands of the ingest stage: import, collect, channels check, telegram login."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor import metrics
from dozor.cli_support import MetricsPort, run_command
from dozor.errors import DozorError, UsageError
from dozor.settings import load
from ingest import registry as reg
from ingest.settings import IngestSettings

if TYPE_CHECKING:
    from ingest.stats import CollectStats

log = logging.getLogger(__name__)

telegram_app = typer.Typer(help="Telegram account setup.", no_args_is_help=True)
channels_app = typer.Typer(help="The channel registry.", no_args_is_help=True)


def _settings(registry: Path | None = None) -> IngestSettings:
    overrides = {"registry": registry} if registry is not None else {}
    return load(IngestSettings, **overrides)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r}: expected a date like 2026-10-01 or 2026-10-01T12:00") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="a Telegram Desktop result.json, JSONL of posts.raw records, or JSONL of Telethon "
            "Message.to_json() objects (told apart by content); - for stdin"
        ),
    ],
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="@username or id of the exported channel: fills what an export lacks"),
    ] = None,
    registry: Annotated[Path | None, typer.Option("--registry", help="registry to complete --channel from")] = None,
    include_private: Annotated[
        bool,
        typer.Option(
            "--include-private", help="also import personal chats, bots and saved messages of a full-account export"
        ),
    ] = False,
) -> None:
    """Import a file into posts.raw (bad entries are counted, logged and sent to posts.dlq)."""

    def body() -> int:
        from ingest.importers.run import import_file

        settings = _settings(registry)
        registry_data = reg.load(settings.registry) if channel and (registry or settings.registry.is_file()) else None
        summary = import_file(file, settings, channel=channel, registry=registry_data, include_private=include_private)
        print(summary.text())
        return 0

    run_command(body)


def collect_command(
    since: Annotated[
        str | None, typer.Option("--since", help="for channels with no checkpoint: start at this date")
    ] = None,
    registry: Annotated[Path | None, typer.Option("--registry", help="channel registry YAML (DOZOR_REGISTRY)")] = None,
    live: Annotated[bool, typer.Option("--live/--backfill-only", help="follow channels after the backfill")] = True,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Rich progress bars")] = True,
    metrics_port: MetricsPort = None,
) -> None:
    """Collect the registry's channels: backfill from each checkpoint, then follow them live."""

    def body() -> int:
        settings = _settings(registry)
        channels = reg.load(settings.registry)
        serving = metrics.start(settings, metrics_port) is not None
        stats = asyncio.run(_collect(settings, channels, _parse_since(since), live, progress, serving))
        print(stats.summary())
        return 0 if stats.working else 1  # every account lost: the summary names each and the fix

    run_command(body)


async def _collect(
    settings: IngestSettings, channels: reg.Registry, since: datetime | None, live: bool, progress: bool, serving: bool
) -> CollectStats:
    from ingest.checkpoints import CheckpointStore
    from ingest.collector import Account, Collector
    from ingest.producer import RawSink, prepare_topics
    from ingest.progress import RichProgress
    from ingest.telegram import build_client, connect
    from media.settings import MediaSettings
    from media.store import open_store

    store = open_store(load(MediaSettings))  # a bad DOZOR_MEDIA_URL fails here, before Telegram is touched
    if serving:
        metrics.watch_store(store.usage)
    clients = [build_client(settings)] + [
        build_client(settings, session_file=p) for p in settings.telegram_more_sessions
    ]
    try:
        accounts = []
        for n, client in enumerate(clients):
            account = Account(f"account{n + 1}", client)
            if not await connect(client):  # the others still collect; this one shows as unauthorized
                account.health.lost("unauthorized", f"session {n + 1} of {len(clients)} not signed in")
            accounts.append(account)
        if not any(a.health.working for a in accounts):
            raise DozorError("no Telegram session is signed in; run `dozor telegram login` first")
        await asyncio.to_thread(prepare_topics, settings)
        sink = RawSink(settings, stage="ingest.collect")
        try:
            collector = Collector(
                settings,
                channels,
                accounts,
                sink,
                CheckpointStore(settings, sink),
                since=since,
                progress=RichProgress() if progress else None,
                store=store,
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, collector.stop)
            return await collector.run(live=live)
        finally:
            sink.close()
    finally:
        for client in clients:
            await client.disconnect()


def check_command(
    registry: Annotated[Path | None, typer.Option("--registry", help="channel registry YAML (DOZOR_REGISTRY)")] = None,
) -> None:
    """Validate the channel registry and list its channels."""

    def body() -> int:
        path = registry or _settings().registry
        channels = reg.load(path)
        for c in channels.channels:
            state = "" if c.enabled else "  (disabled)"
            langs = ",".join(c.languages) or "-"
            media = f"media: {c.media}" + (f" up to {c.max_media_mb:g} MB" if c.media != "none" else "")
            media += "\tgroup" if c.kind == "group" else "\twith comments" if c.comments else ""
            print(f"{c.label}\t{c.category}\t{c.country or '-'}\t{langs}\t{media}{state}")
        print(f"{path}: {len(channels.channels)} channels, {len(channels.enabled)} enabled")
        return 0

    run_command(body)


def login_command(
    string: Annotated[
        bool, typer.Option("--string", help="print a StringSession instead of writing a session file")
    ] = False,
    session: Annotated[
        Path | None,
        typer.Option("--session", help="session file to create (another account: see telegram_more_sessions)"),
    ] = None,
) -> None:
    """First sign-in of a Telegram account: phone, code, then the 2FA password if it has one."""

    def body() -> int:
        from ingest.login import login

        settings = load(IngestSettings, **({"telegram_session": session} if session else {}))
        result = asyncio.run(login(settings, as_string=string))
        if string:
            print(result)
        return 0

    run_command(body)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    app.command("import")(import_command)
    app.command("collect")(collect_command)
    channels_app.command("check")(check_command)
    telegram_app.command("login")(login_command)
    app.add_typer(channels_app, name="channels")
    app.add_typer(telegram_app, name="telegram")

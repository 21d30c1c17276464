"""Commands of the people-facing surfaces: `dozor api` (HTTP API + web UI) and `dozor kibana …`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from dozor import metrics
from dozor.cli_support import run_command
from dozor.errors import ConfigError
from dozor.settings import load
from search.cli_common import load_settings
from surfaces.kibana.cli import kibana_app


def api_command(
    host: Annotated[str | None, typer.Option("--host", help="listen address (default DOZOR_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="port (default DOZOR_API_PORT)")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json)."""

    def body() -> int:
        import uvicorn

        from surfaces.app import create_app

        settings = load_settings()
        if not settings.api_tokens and settings.api_users is None:
            raise ConfigError(
                "set DOZOR_API_USERS (a users file) or DOZOR_API_TOKENS (comma-separated admin tokens) to serve the API"
            )
        metrics.watch_store(_store_usage())
        # log_config=None: uvicorn's lines go through Dozor's handlers (text or JSON, secrets masked, `stage`).
        uvicorn.run(
            create_app(settings), host=host or settings.api_host, port=port or settings.api_port, log_config=None
        )
        return 0

    run_command(body)


def _store_usage() -> Callable[[], metrics.Usage]:
    """The blob store's usage for /metrics; the store is opened at the first reading (the API serves
    without a media store, as before: a failed reading leaves the gauges unset)."""
    from media.settings import MediaSettings
    from media.store import BlobStore, open_store

    opened: list[BlobStore] = []

    def usage() -> metrics.Usage:
        if not opened:
            opened.append(open_store(load(MediaSettings)))
        return opened[0].usage()

    return usage


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    app.command("api")(api_command)
    app.add_typer(kibana_app, name="kibana")

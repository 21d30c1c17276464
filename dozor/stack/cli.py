"""`dozor stack up | down | status`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from dozor import settings as cfg
from dozor.cli_support import run_command
from dozor.stack.local import LocalStack

app = typer.Typer(
    help="The local Kafka + Elasticsearch + S3Proxy, without Docker (loopback only).", no_args_is_help=True
)
console = Console(stderr=True)


def _stack() -> LocalStack:
    return LocalStack(cfg.load(cfg.BlobSettings))


@app.command()
def up(timeout: float = typer.Option(180.0, help="seconds to wait for the services")) -> None:
    """Fetch (once), start and wait for Kafka, Elasticsearch and S3Proxy. Returns at once if all are up."""

    def body() -> int:
        stack = _stack()
        timings = stack.up(timeout_s=timeout)
        if not timings:
            console.print("stack already up")
        else:
            parts = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
            console.print(f"stack up ({parts})")
        return 0

    run_command(body)


@app.command()
def down() -> None:
    """Stop the Kafka, Elasticsearch and S3Proxy this command started (nothing else)."""

    def body() -> int:
        stopped = _stack().down()
        console.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0

    run_command(body)


@app.command()
def status() -> None:
    """Versions, addresses, health and the media store's size; exits 0 only when all are healthy."""

    def body() -> int:
        rows = _stack().status()
        table = Table("service", "version", "address", "health", "pid (ours)")
        for s in rows:
            table.add_row(
                s.name, s.version, s.address, ("ok " if s.healthy else "DOWN ") + s.detail, str(s.managed_pid or "-")
            )
        Console().print(table)
        return 0 if all(s.healthy for s in rows) else 1

    run_command(body)

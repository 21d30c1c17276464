"""`dozor stack up | down | status`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from dozor import settings as cfg
from dozor.cli_support import run_command
from dozor.stack import principals
from dozor.stack.local import LocalStack

app = typer.Typer(
    help="The local Kafka + Elasticsearch + S3Proxy, without Docker (loopback only).", no_args_is_help=True
)
console = Console(stderr=True)


def _stack(secure: bool = False) -> LocalStack:
    return LocalStack(cfg.load(cfg.BlobSettings), secure=secure)


@app.command()
def up(
    timeout: float = typer.Option(180.0, help="seconds to wait for the services"),
    secure: bool = typer.Option(
        False,
        "--secure",
        help="Elasticsearch with TLS and file-realm users, Kafka with SASL_SSL (SCRAM) and ACLs per stage; "
        "the stack home stays secure from then on",
    ),
) -> None:
    """Fetch (once), start and wait for Kafka, Elasticsearch and S3Proxy. Returns at once if all are up."""

    def body() -> int:
        stack = _stack(secure)
        timings = stack.up(timeout_s=timeout)
        mode = "secure stack" if stack.secure else "stack"
        if not timings:
            console.print(f"{mode} already up")
        else:
            parts = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
            console.print(f"{mode} up ({parts})")
        if stack.secure:
            console.print("client settings: `dozor stack status`")
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
    """Versions, addresses, health and the media store's size (on a secure stack also the settings a
    client needs, never the secrets); exits 0 only when all are healthy."""

    def body() -> int:
        stack = _stack()
        rows = stack.status()
        table = Table("service", "version", "address", "health", "pid (ours)")
        for s in rows:
            table.add_row(
                s.name, s.version, s.address, ("ok " if s.healthy else "DOWN ") + s.detail, str(s.managed_pid or "-")
            )
        out = Console()
        out.print(table)
        if stack.secure:
            _print_client_settings(out, stack)
        return 0 if all(s.healthy for s in rows) else 1

    run_command(body)


def _print_client_settings(out: Console, stack: LocalStack) -> None:
    """Plain lines a shell can take (never a secret), then who may do what."""
    print(f"\n# Secure stack: what a client sets. Passwords: {stack.material.secrets_file} (mode 0600),")
    print("# keys elasticsearch.<user> and kafka.<user>, for DOZOR_ES_PASSWORD and DOZOR_KAFKA_PASSWORD.")
    for name, value in stack.client_settings():
        print(f"{name}={value}")
    print("# DOZOR_ES_USERNAME and DOZOR_KAFKA_USERNAME: the stage's user below")
    users = Table("stage", "user", "Elasticsearch", "Kafka", title="Users, least privilege")
    for p in principals.PRINCIPALS:
        users.add_row(
            p.stage, p.user, principals.describe_es(p, stack.settings), principals.describe_kafka(p, stack.settings)
        )
    users.add_row("admin", principals.ADMIN, "superuser (setup)", "super user (setup)")
    out.print(users)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="stack")

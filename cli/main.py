"""The `dozor` entry point: one Typer app; each package registers its own commands. It stands above every
package it assembles: nothing below imports it."""

from __future__ import annotations

import typer

from dozor import __version__, logs
from dozor.cli_support import set_debug, setup_logging

app = typer.Typer(
    name="dozor",
    help="Dozor: watch Telegram channels; search, tag and alert on what they post.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"dozor {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="show tracebacks and debug logs"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    logs.set_service(ctx.invoked_subcommand or "dozor")  # the `stage` of every log line: enrich, index, api...
    set_debug(debug)


def build() -> typer.Typer:
    from alerts.cli import register as register_alerts
    from cli import demo, ocr
    from dozor.stack.cli import app as stack_app
    from enrich.cli import register as register_enrich
    from evidence.cli import register as register_evidence
    from ingest.cli import register as register_ingest
    from search.cli import register as register_search
    from surfaces.cli import register as register_surfaces

    app.add_typer(stack_app, name="stack")
    demo.register(app)
    register_ingest(app)
    register_enrich(app)
    register_search(app)
    register_surfaces(app)
    register_alerts(app)
    register_evidence(app)
    ocr.register(app)
    return app


def main() -> None:
    setup_logging()
    build()(prog_name="dozor")

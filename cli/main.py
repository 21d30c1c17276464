"""The `dozor` entry point: one Typer app; each package registers its own commands. It stands above every
package it assembles: nothing below imports it."""

from __future__ import annotations

import sys
from importlib import import_module

import typer

from dozor import __version__, logs
from dozor.cli_support import set_debug, setup_logging


def _version(value: bool) -> None:
    if value:
        print(f"dozor {__version__}")
        raise typer.Exit(0)


def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="show tracebacks and debug logs"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    logs.set_service(ctx.invoked_subcommand or "dozor")  # the `stage` of every log line: enrich, index, api...
    set_debug(debug)


def new_app() -> typer.Typer:
    """The root app with its options and no command yet."""
    root = typer.Typer(
        name="dozor",
        help="Dozor: watch Telegram channels; search, tag and alert on what they post.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    root.callback()(_root)
    return root


app = new_app()


# Each package's commands, in the order `dozor --help` lists them, and the module whose `register(app)`
# adds them. The modules take about two seconds to import together, so `dozor X` imports only those that
# register X or its subcommands (tests/unit/test_cli_main.py checks this table against what they
# register); anything else (no command, --help, an unknown name) builds the whole app.
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "stack": ("dozor.stack.cli", ("stack",)),
    "demo": ("cli.demo", ("demo",)),
    "ingest": ("ingest.cli", ("channels", "collect", "import", "telegram")),
    "enrich": ("enrich.cli", ("enrich",)),
    "search": ("search.cli", ("channels", "index", "retention", "search", "searches", "stats", "stories")),
    "surfaces": ("surfaces.cli", ("api", "kibana")),
    "alerts": ("alerts.cli", ("alert", "alerts")),
    "evidence": ("evidence.cli", ("evidence",)),
    "ocr": ("cli.ocr", ("ocr",)),
}


def packages_of(command: str | None) -> set[str]:
    """The packages whose commands `dozor command` needs (every package for None or an unknown name)."""
    named = {package for package, (_, commands) in PACKAGES.items() if command in commands}
    return named or set(PACKAGES)


def build(command: str | None = None, into: typer.Typer | None = None) -> typer.Typer:
    """``into`` (by default the app) with every package's commands, or with those of the packages that
    ``command`` needs."""
    target = app if into is None else into
    wanted = packages_of(command)
    for name, (module, _) in PACKAGES.items():
        if name in wanted:
            import_module(module).register(target)
    return target


def invoked(args: list[str]) -> str | None:
    """The command named on a `dozor` command line (the first word past the root options), if any."""
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    setup_logging()
    build(invoked(sys.argv[1:]))(prog_name="dozor")

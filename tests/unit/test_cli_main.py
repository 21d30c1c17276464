"""`dozor X` builds only the packages that register X: each command so built is the whole app's command
(same subcommands and options, all the way down), and every command of the whole app is in the table."""

from __future__ import annotations

from typing import Any

import typer.main

from cli.main import PACKAGES, build, invoked, new_app, packages_of


def _shape(command: Any) -> dict[str, object]:
    """A command's options and arguments, and its subcommands' shapes (typer's own click: a group is a
    command with ``commands``)."""
    shape: dict[str, object] = {"params": sorted(p.name or "" for p in command.params)}
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        shape["commands"] = {name: _shape(sub) for name, sub in sorted(subcommands.items())}
    return shape


def _commands(app: typer.Typer) -> dict[str, Any]:
    return dict(getattr(typer.main.get_command(app), "commands"))  # noqa: B009 (a group's, untyped here)


def test_each_command_built_alone_is_the_whole_apps_command() -> None:
    whole = _commands(build(into=new_app()))
    assert set(whole) == {c for _, commands in PACKAGES.values() for c in commands}
    for name, command in whole.items():
        alone = _commands(build(name, into=new_app()))
        assert set(alone) <= set(whole)
        assert _shape(alone[name]) == _shape(command), name
    assert set(_commands(build("nosuch", into=new_app()))) == set(whole)


def test_the_command_is_the_first_word_past_the_root_options() -> None:
    assert invoked(["--debug", "channels", "suggest", "--json"]) == "channels"
    assert invoked(["--version"]) is None and invoked([]) is None
    assert packages_of("channels") == {"ingest", "search"} and packages_of("import") == {"ingest"}
    assert packages_of(None) == set(PACKAGES)

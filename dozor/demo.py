"""`dozor demo`: the main job over the sample corpus (filled in as the stages land)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass

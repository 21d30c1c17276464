"""Commands of the enrich stage."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""

"""Fixtures for unit and integration tests alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import profiles  # noqa: F401  (registers and loads the hypothesis profiles)

ROOT = Path(__file__).resolve().parents[1]


def find_realdata() -> Path | None:
    """``../shared/realdata`` beside the project (or beside a parent, for git worktrees), or
    ``$DOZOR_REALDATA``: real third-party Telegram data that is read in place, never copied here."""
    named = os.environ.get("DOZOR_REALDATA")
    candidates = [Path(named)] if named else [parent / ".." / "shared" / "realdata" for parent in (ROOT, *ROOT.parents)]
    return next((c.resolve() for c in candidates if (c / "exports").is_dir()), None)


@pytest.fixture(scope="session")
def realdata() -> Path:
    found = find_realdata()
    if found is None:
        pytest.skip("real data not present: no ../shared/realdata/exports beside the project (or $DOZOR_REALDATA)")
    return found

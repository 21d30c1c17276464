"""No hand-written Python file over 400 lines: a new maintainer reads any module in one sitting. Sample
data lives in data files (tests/data, ingest/samples), not in code. (The import layering is checked by
`lint-imports` in `make lint`; its contracts are in pyproject.toml.)"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
NOT_OURS = {"__pycache__", "build", "dist", "node_modules"}


def python_files(root: Path) -> list[Path]:
    """The repository's .py files, without hidden folders (.git, .venv), virtualenvs and build output."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".")
            and d not in NOT_OURS
            and not d.endswith(".egg-info")
            and not (Path(folder, d) / "pyvenv.cfg").exists()
        ]
        found += [Path(folder, f) for f in files if f.endswith(".py")]
    return found


def test_no_python_file_is_over_400_lines() -> None:
    files = python_files(ROOT)
    assert len(files) > 50 and ROOT / "dozor" / "stream.py" in files  # the walk sees the code
    long = {}
    for path in files:
        with path.open(encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
        if lines > MAX_LINES:
            long[str(path.relative_to(ROOT))] = lines
    assert long == {}, f"over {MAX_LINES} lines: split by what each part does"

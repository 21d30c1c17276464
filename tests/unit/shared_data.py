"""Where the third-party data sets live: ``../shared`` beside the project root (never copied into the
repository). ``DOZOR_SHARED_DIR`` points elsewhere, e.g. from a git worktree one level deeper."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DOZOR_SHARED_DIR") or ROOT.parent / "shared")
UDHR = SHARED / "langid-udhr" / "units.tsv"
REAL_LANG = SHARED / "realdata" / "lang.jsonl"
EXPORTS = SHARED / "realdata" / "exports"

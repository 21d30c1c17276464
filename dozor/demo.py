"""`dozor demo`: the main job, end to end over the sample corpus on the local stack.

Each step runs the same `dozor` command a user would type, so the demo exercises the real contracts:
stack up → import → enrich --drain → index --drain → search / stats → alerts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

from dozor import settings as cfg
from dozor.cli_support import run_command
from dozor.errors import DozorError
from dozor.stack.local import LocalStack

console = Console()

SEARCHES: list[tuple[str, list[str]]] = [
    ("гражданства AND мигрант*", []),
    ("fuqarolik", ["--lang", "uz"]),
    ('"migration centre" OR Сахарово', []),
    ("*", ["--topic", "foreign_fighting", "--limit", "5"]),
]


def sample(name: str) -> Path:
    return Path(str(resources.files("ingest") / "samples" / name))


def _dozor(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "dozor", *args]
    console.print(f"[bold cyan]$ dozor {' '.join(args)}[/]")
    proc = subprocess.run(cmd, text=True, capture_output=True, check=False)
    if proc.stdout:
        console.print(proc.stdout.rstrip(), markup=False, highlight=False)
    if proc.stderr:
        console.print(proc.stderr.rstrip(), style="dim", markup=False, highlight=False)
    if check and proc.returncode != 0:
        raise DozorError(f"demo step failed: dozor {' '.join(args)} (exit {proc.returncode})")
    return proc


def run_demo() -> int:
    settings = cfg.load(cfg.DozorSettings)
    console.print(Rule("1. local stack"))
    LocalStack(settings).up()
    _dozor("stack", "status")

    console.print(Rule("2. ingest the sample corpus -> posts.raw"))
    t0 = time.monotonic()
    _dozor("import", str(sample("corpus.jsonl")))
    console.print(Rule("3. enrich: language, script, topics -> posts.enriched"))
    _dozor("enrich", "--drain")
    console.print(Rule("4. index into Elasticsearch"))
    _dozor("index", "--drain")
    console.print(f"pipeline done in {time.monotonic() - t0:.1f}s")

    console.print(Rule("5. search"))
    for query, flags in SEARCHES:
        _dozor("search", query, "--limit", "3", *flags)
    _dozor("stats")
    return 0


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Run the whole pipeline over the sample corpus on the local stack and show the results."""
        run_command(run_demo)

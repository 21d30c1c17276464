"""`dozor channels suggest` and `dozor channels edges`: channels the watched ones point to (forwards,
@mentions, t.me links) that are not watched yet, and the whole graph for Gephi."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from dozor.cli_support import run_command
from dozor.errors import UsageError
from ingest import registry as reg
from search.cli_common import AsJson, Since, load_settings, with_es
from search.filters import parse_when

RegistryPath = Annotated[
    Path,
    typer.Option("--registry", envvar="DOZOR_REGISTRY", help="channel registry YAML: its channels are not suggested"),
]


def _registry(path: Path) -> reg.Registry | None:
    """The registry; a missing file leaves only the indexed channels out, a broken one is an error."""
    if not path.is_file():
        print(f"note: no registry at {path}: only channels with posts in the index are left out", file=sys.stderr)
        return None
    return reg.load(path)


def _since(value: str | None) -> datetime | None:
    try:
        return parse_when(value)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None


def suggest_command(
    since: Since = None,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="how many channels")] = 50,
    min_posts: Annotated[
        int, typer.Option("--min-posts", min=1, help="channels pointed to by at least this many posts")
    ] = 1,
    registry: RegistryPath = Path("channels.yaml"),
    bots: Annotated[
        bool, typer.Option("--include-bots", help='also @names ending in "bot" with no channel behind them')
    ] = False,
) -> None:
    """Channels not in the registry that watched channels forward from, @mention or link to, ranked by
    how many watched channels point to them, then by posts; with the posts as evidence. A channel known
    by id and by @name is one line."""

    def body() -> int:
        from search.discovery import suggest

        start = _since(since)
        known = _registry(registry)
        settings = load_settings()
        found = with_es(
            settings, lambda es: suggest(es, settings, known, since=start, limit=limit, min_posts=min_posts, bots=bots)
        )
        if as_json:
            for s in found:
                print(json.dumps(s, ensure_ascii=False, separators=(",", ":")))
            return 0
        table = Table("channel", "title", "watched", "posts", "topical", "fwd/@/link", "first seen", "last seen")
        for s in found:
            via = s["via"]
            name = s["channel"] + (" (bot?)" if s["likely_bot"] else "")
            table.add_row(
                "\n".join([name, *s["aliases"]]),  # a channel's other spellings under its key
                s["title"] or "",
                str(s["watched_channels"]),
                str(s["posts"]),
                f"{s['topical_share']:.0%}",
                f"{via['forward']}/{via['mention']}/{via['link']}",
                s["first_seen"] or "?",
                s["last_seen"] or "?",
            )
        Console(file=sys.stdout).print(table)
        return 0

    run_command(body)


def edges_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    fmt: Annotated[Literal["csv", "gexf"], typer.Option("--format", help="csv (edge list) or gexf (GEXF 1.3)")] = "csv",
    since: Since = None,
    registry: RegistryPath = Path("channels.yaml"),
) -> None:
    """The graph of watched channels and the channels they point to, for Gephi: an edge list (CSV:
    Source, Target, Weight = posts, by forward/mention/link, first and last seen) or GEXF 1.3."""

    def body() -> int:
        from search.discovery_export import write
        from search.discovery_graph import graph

        start = _since(since)
        known = _registry(registry)
        settings = load_settings()
        nodes, edges = with_es(settings, lambda es: graph(es, settings, known, start))
        write(nodes, edges, fmt, output)
        print(f"{output}: {len(nodes)} channels, {len(edges)} edges ({fmt})", file=sys.stderr)
        return 0

    run_command(body)


def backfill_command(
    batch: Annotated[int, typer.Option("--batch", min=1, max=5000, help="posts per request")] = 500,
) -> None:
    """Compute `channel_refs` (what discovery counts) for posts indexed before Dozor recorded them; posts
    changed meanwhile by the indexer are left to it. Safe to run again."""

    def body() -> int:
        from search.discovery_backfill import backfill_refs

        settings = load_settings()
        done = with_es(settings, lambda es: backfill_refs(es, settings, batch))
        print(
            f"{done.scanned} posts without channel references read, {done.updated} updated, "
            f"{done.changed_meanwhile} changed meanwhile (left to the indexer)"
        )
        return 0

    run_command(body)

"""`dozor stories`: stories (near-duplicate posts across channels) by spread."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dozor.cli_support import run_command
from dozor.errors import UsageError
from search.cli_common import AsJson, Since, load_settings, with_es
from search.filters import parse_when


def stories_command(
    since: Since = None,
    as_json: AsJson = False,
    min_posts: Annotated[int, typer.Option("--min-posts", min=1, help="stories with at least this many posts")] = 2,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="how many stories")] = 50,
) -> None:
    """Stories by spread (most channels first): posts that say the same thing across channels, with the
    first post (a deleted one keeps its place), the latest, and how fast it reached each channel.
    --since keeps stories with a post since then (e.g. 24h)."""

    def body() -> int:
        from search.stories import list_stories

        try:
            start = parse_when(since)
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
        settings = load_settings()
        found = with_es(settings, lambda es: list_stories(es, settings, start, min_posts, limit))
        if as_json:
            for story in found:
                print(json.dumps(story, ensure_ascii=False, separators=(",", ":")))
            return 0
        table = Table("story", "posts", "channels", "categories", "first seen", "first channel", "latest")
        for s in found:
            ch = s["first_channel"]
            where = f"@{ch['username']}" if ch.get("username") else str(ch.get("title") or ch.get("id", ""))
            first = f"{s['first_date'] or '?'}{' (deleted)' if s['first_deleted'] else ''}"
            table.add_row(
                s["story"],
                str(s["posts"]),
                str(s["channels"]),
                ", ".join(s["categories"]),
                first,
                where,
                s["latest_date"] or "?",
            )
        Console(file=sys.stdout).print(table)
        return 0

    run_command(body)

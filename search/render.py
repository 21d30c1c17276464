"""How the search commands print: ``--json`` is one compact object per line through plain ``print``
(never Rich, which wraps lines); the human form goes through Rich."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console
from rich.markup import escape

from search.hits import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchHit
from search.saved import SavedSearch
from search.service import SearchResult

_MARK = re.compile(re.escape(HIGHLIGHT_PRE) + "(.*?)" + re.escape(HIGHLIGHT_POST), re.S)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def _snippet(hit: SearchHit) -> str:
    if hit["highlight"]:
        marked = " … ".join(hit["highlight"])
        parts = _MARK.split(marked)  # odd items are the marked words
        return "".join(f"[bold yellow]{escape(p)}[/]" if i % 2 else escape(p) for i, p in enumerate(parts))
    text = " ".join(hit["text"].split())
    return escape(text[:240] + ("…" if len(text) > 240 else ""))


def hits(result: SearchResult, as_json: bool) -> None:
    if as_json:
        for hit in result.hits:
            print(dumps(hit))
        return
    console = Console(highlight=False)
    for hit in result.hits:
        channel = hit["channel"]
        who = f"@{channel['username']}" if channel.get("username") else str(channel.get("id"))
        flags = " [red]deleted[/]" if hit.get("deleted_at") else ""
        flags += " [cyan]edited[/]" if hit.get("edit_date") else ""
        topics = ",".join(hit["topics"])
        console.print(
            f"[bold]{escape(str(hit['date'] or '?')[:16])}[/] {escape(who)} [dim]{hit['id']}[/] "
            f"{hit['lang']} {escape(topics)}{flags}"
        )
        console.print("  " + _snippet(hit))
        if hit["url"]:
            console.print(f"  [dim]{hit['url']}[/]")
    console.print(f"[dim]{len(result.hits)} of {result.total} hit(s)[/]")


def stats(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(dumps(result))
        return
    console = Console(highlight=False)
    console.print(f"[bold]{result['total']}[/] post(s)")
    for title, counts in (("topics", result["topics"]), ("languages", result["lang"])):
        console.print(f"[bold]{title}[/]: " + ", ".join(f"{escape(str(k))} {v}" for k, v in counts.items()))
    console.print("[bold]channels[/]:")
    for row in result["channels"]:
        ch = row["channel"]
        console.print(f"  {escape(str(ch.get('username') or ch.get('id')))} {row['count']}")
    console.print("[bold]per day[/]:")
    for day, count in result["per_day"].items():
        console.print(f"  {day} {count}")


def saved_list(found: list[SavedSearch], as_json: bool) -> None:
    if as_json:
        for s in found:
            print(dumps(s.model_dump(mode="json")))
        return
    console = Console(highlight=False)
    for s in found:
        state = "" if s.active else " [dim](inactive)[/]"
        last = s.last_run_at.isoformat(timespec="seconds") if s.last_run_at else "never"
        console.print(f"[bold]{escape(s.name)}[/]{state}: {escape(s.query)}  [dim]last run {last}[/]")

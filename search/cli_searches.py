"""`dozor searches ...`: saved searches from the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from dozor.cli_support import run_command
from search import render
from search.cli_common import (
    AsJson,
    Category,
    Channel,
    Country,
    Lang,
    Since,
    Topic,
    Until,
    load_settings,
    make_filters,
    spec,
    split,
    templated,
    with_es,
)
from search.service import MAX_WINDOW

if TYPE_CHECKING:
    from search.saved import SavedSearches

T = TypeVar("T")

searches_app = typer.Typer(help="Saved searches: add, list, show, update, delete, run.", no_args_is_help=True)


def _notify(webhook: list[str] | None, email: list[str] | None, telegram: list[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"webhook": {"url": u}} for u in webhook or []]
    if email:
        out.append({"email": {"to": split(email)}})
    out.extend({"telegram": {"chat_id": c}} for c in telegram or [])
    return out


def _with_store(work: Callable[[SavedSearches], T]) -> T:
    """Run ``work`` on the saved-search store once the templates exist; ES trouble is one clear line."""
    from search.saved import SavedSearches

    settings = load_settings()
    return with_es(settings, lambda es: templated(es, settings, lambda: work(SavedSearches(es, settings))))


Webhook = Annotated[list[str] | None, typer.Option("--notify-webhook", help="POST new hits to this URL")]
Email = Annotated[list[str] | None, typer.Option("--notify-email", help="e-mail new hits to this address")]
Telegram = Annotated[list[str] | None, typer.Option("--notify-telegram", help="send new hits to this chat id")]
Owner = Annotated[str | None, typer.Option("--owner", help="who owns the search")]


@searches_app.command("add")
def searches_add(
    name: Annotated[str, typer.Argument(help="unique name: letters, digits, . _ -")],
    query: Annotated[str, typer.Argument(help="the query (search language)")],
    lang: Lang = None,
    topic: Topic = None,
    channel: Channel = None,
    category: Category = None,
    country: Country = None,
    since: Since = None,
    until: Until = None,
    owner: Owner = None,
    notify_webhook: Webhook = None,
    notify_email: Email = None,
    notify_telegram: Telegram = None,
) -> None:
    """Save a search."""

    def body() -> int:
        from search.saved import SearchSpec

        wanted = spec(
            SearchSpec,
            query=query,
            filters=make_filters(lang, topic, channel, category, country, since, until),
            owner=owner,
            notify=_notify(notify_webhook, notify_email, notify_telegram),
        )
        saved = _with_store(lambda store: store.create(name, wanted))
        print(f"saved search {saved.name!r} added")
        return 0

    run_command(body)


@searches_app.command("list")
def searches_list(as_json: AsJson = False) -> None:
    """List saved searches."""

    def body() -> int:

        found = _with_store(lambda store: store.list())
        render.saved_list(found, as_json)
        return 0

    run_command(body)


@searches_app.command("show")
def searches_show(name: str) -> None:
    """Show one saved search as JSON."""

    def body() -> int:

        saved = _with_store(lambda store: store.get(name))
        print(saved.model_dump_json(indent=2))
        return 0

    run_command(body)


@searches_app.command("update")
def searches_update(
    name: str,
    query: Annotated[str | None, typer.Option("--query", help="new query")] = None,
    lang: Lang = None,
    topic: Topic = None,
    channel: Channel = None,
    category: Category = None,
    country: Country = None,
    since: Since = None,
    until: Until = None,
    owner: Owner = None,
    notify_webhook: Webhook = None,
    notify_email: Email = None,
    notify_telegram: Telegram = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="enable or pause it")] = None,
) -> None:
    """Change a saved search: what is given replaces what was (filters as a whole)."""

    def body() -> int:
        from search.saved import SearchSpec

        def work(store: SavedSearches) -> None:
            old = store.get(name)
            values: dict[str, Any] = old.model_dump(include=set(SearchSpec.model_fields))
            if query is not None:
                values["query"] = query
            if any(v for v in (lang, topic, channel, category, country, since, until)):
                values["filters"] = make_filters(lang, topic, channel, category, country, since, until)
            if owner is not None:
                values["owner"] = owner
            notify = _notify(notify_webhook, notify_email, notify_telegram)
            if notify:
                values["notify"] = notify
            if active is not None:
                values["active"] = active
            store.update(name, spec(SearchSpec, **values))

        _with_store(work)
        print(f"saved search {name!r} updated")
        return 0

    run_command(body)


@searches_app.command("delete")
def searches_delete(name: str) -> None:
    """Delete a saved search."""

    def body() -> int:

        _with_store(lambda store: store.delete(name))
        print(f"saved search {name!r} deleted")
        return 0

    run_command(body)


@searches_app.command("run")
def searches_run(
    name: str,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_WINDOW)] = 100,
) -> None:
    """Show the hits indexed since this search last ran (all on the first run), and record the run."""

    def body() -> int:

        saved, result = _with_store(lambda store: store.run(name, limit=limit))
        if not as_json:
            print(f"{result.total} new hit(s) for {saved.name!r}", file=sys.stderr)
        render.hits(result, as_json)
        return 0

    run_command(body)

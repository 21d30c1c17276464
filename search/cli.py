"""Commands of the search stage: index, search, stats, searches, api."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch
from pydantic import ValidationError

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.cli_support import run_command
from dozor.errors import ConfigError, DozorError, UsageError
from dozor.settings import load
from search import render
from search.filters import SearchFilters
from search.index import ensure_templates
from search.kibana.cli import register as register_kibana
from search.service import MAX_WINDOW
from search.settings import SearchSettings

T = TypeVar("T")
DRAIN_GIVE_UP_S = 120.0

searches_app = typer.Typer(help="Saved searches: add, list, show, update, delete, run.", no_args_is_help=True)

Lang = Annotated[list[str] | None, typer.Option("--lang", help="language code (repeat or comma-separate)")]
Topic = Annotated[list[str] | None, typer.Option("--topic", help="topic id")]
Channel = Annotated[list[str] | None, typer.Option("--channel", help="channel username or numeric id")]
Category = Annotated[list[str] | None, typer.Option("--category", help="official, migrant_community, media, other")]
Country = Annotated[list[str] | None, typer.Option("--country", help="channel country")]
Since = Annotated[str | None, typer.Option("--since", help="from this date: 2024-05-01, 2024-05-01T12:00, 7d, 24h")]
Until = Annotated[str | None, typer.Option("--until", help="up to this date (same forms as --since)")]
Deleted = Annotated[bool, typer.Option("--include-deleted", help="also show deleted posts")]
AsJson = Annotated[bool, typer.Option("--json", help="one compact JSON object per line")]


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def make_filters(
    lang: list[str] | None = None,
    topic: list[str] | None = None,
    channel: list[str] | None = None,
    category: list[str] | None = None,
    country: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    include_deleted: bool = False,
) -> SearchFilters:
    try:
        return SearchFilters(
            lang=_split(lang),
            topic=_split(topic),
            channel=_split(channel),
            category=_split(category),
            country=_split(country),
            since=since,
            until=until,
            include_deleted=include_deleted,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"--{err['loc'][0]}: {err['msg']}".replace("Value error, ", "")) from None


def _settings() -> SearchSettings:
    return load(SearchSettings)


def with_es(settings: SearchSettings, work: Callable[[Elasticsearch], T], **client_options: Any) -> T:
    """Run ``work`` with a client; an unreachable node or an ES error becomes one clear line."""
    es = dozor_es.client(settings, **client_options)
    try:
        return work(es)
    except TransportLayerError as exc:
        raise dozor_es.unreachable(settings, exc) from exc
    except ApiError as exc:
        raise DozorError(f"Elasticsearch answered HTTP {exc.meta.status}: {exc.error}") from exc
    finally:
        es.close()


# ---- index --------------------------------------------------------------------------------------


def index_command(
    drain: Annotated[bool, typer.Option("--drain", help="index what is in the topic now, then exit")] = False,
    batch: Annotated[int | None, typer.Option("--batch", min=1, max=10_000, help="records per batch")] = None,
) -> None:
    """Index posts.enriched into Elasticsearch (idempotent; edits and deletes applied in order)."""

    def body() -> int:
        from dozor.stream import StageRunner
        from search.indexer import Indexer, client, group_id

        settings = _settings()
        es = client(settings)
        indexer = Indexer(es, settings)
        if drain and indexer.give_up_s is None:
            indexer.give_up_s = DRAIN_GIVE_UP_S
        try:
            indexer.prepare()
            runner = StageRunner(
                "index",
                settings,
                dk.ENRICHED,
                indexer,
                max_batch=batch or settings.index_batch,
                group_id=group_id(settings),
            )
            stats = runner.drain() if drain else runner.run_forever()
            indexer.refresh()
        except TransportLayerError as exc:
            raise dozor_es.unreachable(settings, exc) from exc
        finally:
            es.close()
        print(f"index: {stats.consumed} records, {indexer.written} writes, {stats.rejected} to DLQ", file=sys.stderr)
        return 0

    run_command(body)


# ---- search / stats -----------------------------------------------------------------------------


def search_command(
    query: Annotated[str, typer.Argument(help="Lucene query syntax, as in Kibana; `*` matches every post")],
    lang: Lang = None,
    topic: Topic = None,
    channel: Channel = None,
    category: Category = None,
    country: Country = None,
    since: Since = None,
    until: Until = None,
    include_deleted: Deleted = False,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_WINDOW, help="hits to show")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="skip this many hits")] = 0,
    sort: Annotated[str, typer.Option("--sort", help="date (newest first) or relevance")] = "date",
) -> None:
    """Search posts. Unqualified words match any inflection and both Uzbek scripts; `text:` matches
    words as written; space-separated terms must all match."""

    def body() -> int:
        from search.service import search

        if sort not in ("date", "relevance"):
            raise UsageError("--sort must be date or relevance")
        filters = make_filters(lang, topic, channel, category, country, since, until, include_deleted)
        settings = _settings()
        result = with_es(
            settings, lambda es: search(es, settings, query, filters, limit=limit, offset=offset, sort=sort)
        )
        render.hits(result, as_json)
        return 0

    run_command(body)


def stats_command(
    query: Annotated[str, typer.Argument(help="Lucene query syntax; `*` for every post")] = "*",
    lang: Lang = None,
    topic: Topic = None,
    channel: Channel = None,
    category: Category = None,
    country: Country = None,
    since: Since = None,
    until: Until = None,
    include_deleted: Deleted = False,
    as_json: AsJson = False,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="buckets per count")] = 20,
) -> None:
    """Counts by topic, language, channel, and per day, for a query and filters."""

    def body() -> int:
        from search.service import stats

        filters = make_filters(lang, topic, channel, category, country, since, until, include_deleted)
        settings = _settings()
        result = with_es(settings, lambda es: stats(es, settings, query, filters, top=top))
        render.stats(result, as_json)
        return 0

    run_command(body)


# ---- saved searches -----------------------------------------------------------------------------


def _notify(webhook: list[str] | None, email: list[str] | None, telegram: list[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"webhook": {"url": u}} for u in webhook or []]
    if email:
        out.append({"email": {"to": _split(email)}})
    out.extend({"telegram": {"chat_id": c}} for c in telegram or [])
    return out


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
        from search.saved import SavedSearches, SearchSpec

        spec = _spec(
            SearchSpec,
            query=query,
            filters=make_filters(lang, topic, channel, category, country, since, until),
            owner=owner,
            notify=_notify(notify_webhook, notify_email, notify_telegram),
        )
        settings = _settings()
        saved = with_es(
            settings, lambda es: _templated(es, settings, lambda: SavedSearches(es, settings).create(name, spec))
        )
        print(f"saved search {saved.name!r} added")
        return 0

    run_command(body)


def _spec(model: type[T], **values: Any) -> T:
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None


def _templated(es: Elasticsearch, settings: SearchSettings, work: Callable[[], T]) -> T:
    ensure_templates(es, settings)
    return work()


@searches_app.command("list")
def searches_list(as_json: AsJson = False) -> None:
    """List saved searches."""

    def body() -> int:
        from search.saved import SavedSearches

        settings = _settings()
        found = with_es(settings, lambda es: _templated(es, settings, SavedSearches(es, settings).list))
        render.saved_list(found, as_json)
        return 0

    run_command(body)


@searches_app.command("show")
def searches_show(name: str) -> None:
    """Show one saved search as JSON."""

    def body() -> int:
        from search.saved import SavedSearches

        settings = _settings()
        saved = with_es(settings, lambda es: _templated(es, settings, lambda: SavedSearches(es, settings).get(name)))
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
        from search.saved import SavedSearches, SearchSpec

        settings = _settings()

        def work(es: Elasticsearch) -> None:
            store = SavedSearches(es, settings)
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
            store.update(name, _spec(SearchSpec, **values))

        with_es(settings, lambda es: _templated(es, settings, lambda: work(es)))
        print(f"saved search {name!r} updated")
        return 0

    run_command(body)


@searches_app.command("delete")
def searches_delete(name: str) -> None:
    """Delete a saved search."""

    def body() -> int:
        from search.saved import SavedSearches

        settings = _settings()
        with_es(settings, lambda es: _templated(es, settings, lambda: SavedSearches(es, settings).delete(name)))
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
        from search.saved import SavedSearches

        settings = _settings()
        saved, result = with_es(
            settings, lambda es: _templated(es, settings, lambda: SavedSearches(es, settings).run(name, limit=limit))
        )
        if not as_json:
            print(f"{result.total} new hit(s) for {saved.name!r}", file=sys.stderr)
        render.hits(result, as_json)
        return 0

    run_command(body)


# ---- api ----------------------------------------------------------------------------------------


def api_command(
    host: Annotated[str | None, typer.Option("--host", help="listen address (default DOZOR_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="port (default DOZOR_API_PORT)")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json)."""

    def body() -> int:
        import uvicorn

        from search.api.app import create_app

        settings = _settings()
        if not settings.api_tokens:
            raise ConfigError("set DOZOR_API_TOKENS (comma-separated bearer tokens) to serve the API")
        uvicorn.run(create_app(settings), host=host or settings.api_host, port=port or settings.api_port)
        return 0

    run_command(body)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    app.command("index")(index_command)
    app.command("search")(search_command)
    app.command("stats")(stats_command)
    app.add_typer(searches_app, name="searches")
    app.command("api")(api_command)
    register_kibana(app)
    __import__("search.alerts.cli", fromlist=["register"]).register(app)

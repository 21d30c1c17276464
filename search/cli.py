"""Commands of the search stage: index, search, stats, searches."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from elastic_transport import TransportError as TransportLayerError

from dozor import drain_shares, metrics
from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.cli_support import MetricsPort, Workers, run_command
from dozor.errors import UsageError
from dozor.stream import RunStats
from ingest.cli import channels_app
from search import render
from search.cli_common import (
    AsJson,
    Category,
    Channel,
    Country,
    Deleted,
    HasMedia,
    Lang,
    MediaType,
    Phash,
    Since,
    Topic,
    Until,
    load_settings,
    make_filters,
    with_es,
)
from search.cli_discovery import backfill_command, edges_command, suggest_command
from search.cli_searches import searches_app
from search.cli_stories import stories_command
from search.retention_cli import retention_app
from search.service import MAX_WINDOW
from search.settings import SearchSettings

DRAIN_GIVE_UP_S = 120.0
INDEX_STAGE = "index"  # the stage's name and (prefixed) its consumer group


# ---- index --------------------------------------------------------------------------------------


def index_command(
    drain: Annotated[bool, typer.Option("--drain", help="index what is in the topic now, then exit")] = False,
    batch: Annotated[int | None, typer.Option("--batch", min=1, max=10_000, help="records per batch")] = None,
    metrics_port: MetricsPort = None,
    workers: Workers = None,
) -> None:
    """Index posts.enriched, posts.media and posts.media.ocr into Elasticsearch (idempotent; edits,
    deletes and media applied whatever order they arrive in)."""

    def body() -> int:
        from dozor.workers import default_workers, run_workers

        settings = load_settings()
        _make_topics(settings, drain)
        n = workers or default_workers()
        if n == 1:
            stats = _index_work(0, 1, drain, batch, metrics_port)
        else:
            _prepare_templates(settings, drain)  # once, before the workers race to install them
            shares = drain_shares.plan(settings, INDEX_STAGE, _index_sources(), n) if drain else None
            stats = run_workers(n, _index_work, drain, batch, metrics_port, shares)
        print(f"index: {stats.consumed} records, {stats.produced} writes, {stats.rejected} to DLQ", file=sys.stderr)
        return 0

    run_command(body)


def _index_sources() -> list[str]:
    from search.media import MEDIA_TOPICS

    return [dk.ENRICHED, *(t.name for t in MEDIA_TOPICS)]


def _make_topics(settings: SearchSettings, drain: bool) -> None:
    """The stage's topics, made before its group forms, with the stage's partition count. Left to the broker,
    the first member's subscription auto-created the media topics (with the broker's default count, 1 in a
    stock Kafka) a moment after the group had formed, and every member joined again. A least-privilege
    principal may not create its inputs: their writers make them, and the stage goes on."""
    from kafka.errors import AuthorizationError

    try:
        dk.ensure_topics_waiting(settings, [*_index_sources(), dk.DLQ], wait=not drain)
    except AuthorizationError as exc:
        print(
            f"index: not allowed to create missing topics ({type(exc).__name__}); their writers make them",
            file=sys.stderr,
        )


def _prepare_templates(settings: SearchSettings, drain: bool) -> None:
    from search.indexer import Indexer, client

    es = client(settings)
    try:
        Indexer(es, settings).prepare(60.0 if drain else None)
    except TransportLayerError as exc:
        raise dozor_es.unreachable(settings, exc) from exc
    finally:
        es.close()


def _index_work(
    slot: int,
    n: int,
    drain: bool,
    batch: int | None,
    metrics_port: int | None,
    shares: list[list[int]] | None = None,
) -> RunStats:
    """One member of the index stage (slot ``slot`` of ``n``; draining, the partitions ``shares[slot]``):
    the whole stage when ``n`` is 1. Worker ``slot`` serves its metrics on the metrics port + ``slot``;
    ``produced`` counts its writes."""
    from dozor.stream import StageRunner
    from search.indexer import Indexer, client

    settings = load_settings()
    base = metrics_port if metrics_port is not None else settings.metrics_port
    if base:
        metrics.start(settings, base + slot)
    es = client(settings)
    indexer = Indexer(es, settings)
    if drain and indexer.give_up_s is None:
        indexer.give_up_s = DRAIN_GIVE_UP_S
    try:
        # The service waits for Elasticsearch however long it is away (a restart during an outage
        # must not exit: the chaos run saw that); a drain gives up after a minute.
        indexer.prepare(60.0 if drain else None)
        runner = StageRunner(
            INDEX_STAGE,
            settings,
            _index_sources(),
            indexer,
            max_batch=batch or settings.index_batch,
        )
        if not drain:
            indexer.refresh_each_batch = True
            stats = runner.run_forever()
        else:
            if n > 1:
                runner.stop_on_signals()
            stats = runner.drain(shares[slot] if shares is not None else None)
        indexer.refresh()
    except TransportLayerError as exc:
        raise dozor_es.unreachable(settings, exc) from exc
    finally:
        es.close()
    stats.produced = indexer.written
    return stats


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
    has_media: HasMedia = None,
    media_type: MediaType = None,
    phash: Phash = None,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_WINDOW, help="hits to show")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="skip this many hits")] = 0,
    sort: Annotated[str, typer.Option("--sort", help="date (newest first) or relevance")] = "date",
) -> None:
    """Search posts. Unqualified words match any inflection and both Uzbek scripts, in the post's text
    or in its images' text; `text:` matches words as written, `ocr:` only image text; space-separated
    terms must all match."""

    def body() -> int:
        from search.service import search

        if sort not in ("date", "relevance"):
            raise UsageError("--sort must be date or relevance")
        filters = make_filters(
            lang,
            topic,
            channel,
            category,
            country,
            since,
            until,
            include_deleted,
            has_media=has_media,
            media_type=media_type,
            phash=phash,
        )
        settings = load_settings()
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
        settings = load_settings()
        result = with_es(settings, lambda es: stats(es, settings, query, filters, top=top))
        render.stats(result, as_json)
        return 0

    run_command(body)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    app.command("index")(index_command)
    app.command("search")(search_command)
    app.command("stats")(stats_command)
    app.command("stories")(stories_command)
    channels_app.command("suggest")(suggest_command)
    channels_app.command("edges")(edges_command)
    channels_app.command("backfill-refs")(backfill_command)
    app.add_typer(searches_app, name="searches")
    app.add_typer(retention_app, name="retention")

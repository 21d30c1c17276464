"""Commands of the enrich stage: `dozor enrich` (service, --drain, or offline over JSONL)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor import drain_shares, metrics
from dozor import kafka as dk
from dozor.cli_support import MetricsPort, Workers, run_command
from dozor.errors import UsageError
from dozor.quiet_gc import quiet_gc
from dozor.settings import load
from dozor.stream import RunStats, StageRunner
from dozor.workers import default_workers, run_workers

if TYPE_CHECKING:
    from enrich.pipeline import Enricher

if TYPE_CHECKING:
    from enrich.settings import EnrichSettings
    from enrich.stories import StoryAssigner

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    app.command("enrich")(enrich)


def enrich(
    input_file: Annotated[
        str | None,
        typer.Option("--input", help="enrich a JSONL file offline ('-' for stdin) instead of consuming Kafka"),
    ] = None,
    output_file: Annotated[
        str | None, typer.Option("--output", help="where the enriched JSONL goes ('-': stdout)")
    ] = None,
    drain: Annotated[
        bool, typer.Option("--drain", help="consume posts.raw up to the end offsets seen at start, commit, exit")
    ] = False,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="topic taxonomy YAML (default: the built-in one)")
    ] = None,
    metrics_port: MetricsPort = None,
    workers: Workers = None,
) -> None:
    """Add language, script, topics, normalized and stemmed text, entities and the post's story to posts
    (posts.raw -> posts.enriched). Stories need Elasticsearch (DOZOR_ENRICH_STORIES=false turns them off);
    --input assigns them within the file."""

    def body() -> int:
        from enrich import entities, offline, topics
        from enrich.pipeline import Enricher
        from enrich.settings import EnrichSettings
        from enrich.stage import STAGE_NAME

        if output_file is not None and input_file is None:
            raise UsageError("--output needs --input (the Kafka stage writes to posts.enriched)")
        if input_file is not None and workers is not None:
            raise UsageError("--workers is for the Kafka stage; --input runs in this process")
        if input_file is not None and drain:
            raise UsageError("--drain is for the Kafka stage; --input runs over a file")
        settings = load(EnrichSettings)
        entities.use_model(settings.enrich_ner)
        enricher = Enricher(topics.load(taxonomy or settings.enrich_taxonomy))
        if input_file is not None:
            enricher.load_models()
            quiet_gc()
            stats = offline.run(input_file, output_file or "-", enricher)
            print(stats.summary(), file=sys.stderr)
            return 0
        dk.ensure_topics_waiting(settings, [dk.ENRICHED, dk.DLQ], wait=not drain)
        n = workers or default_workers()
        if n == 1:
            enricher.load_models()
            result = _work(0, 1, drain, taxonomy, metrics_port, enricher=enricher)
        else:
            shares = drain_shares.plan(settings, STAGE_NAME, [dk.RAW], n) if drain else None
            result = run_workers(n, _work, drain, taxonomy, metrics_port, shares)
        print(f"enrich: {result.summary()}", file=sys.stderr)
        return 0

    run_command(body)


def _stories(settings: EnrichSettings) -> StoryAssigner | None:
    if not settings.enrich_stories:
        return None
    from elasticsearch import OrjsonSerializer

    from dozor import es
    from enrich.stories import StoryAssigner
    from enrich.stories.es_store import EsStoryStore

    # orjson, not the standard library, reads each batch's look-up (some 16,000 band ids, most of them
    # absent) and writes its claims: the stdlib json was the larger part of the stage's cost over offline.
    return StoryAssigner(EsStoryStore(es.client(settings, serializer=OrjsonSerializer()), settings))


def _work(
    slot: int,
    n: int,
    drain: bool,
    taxonomy: Path | None,
    metrics_port: int | None,
    shares: list[list[int]] | None = None,
    enricher: Enricher | None = None,
) -> RunStats:
    """One member of the enrich stage (slot ``slot`` of ``n``; draining, the partitions ``shares[slot]``):
    the whole stage when ``n`` is 1. Worker ``slot`` serves its metrics on the metrics port + ``slot``."""
    from enrich import entities, topics
    from enrich.pipeline import Enricher
    from enrich.settings import EnrichSettings
    from enrich.stage import STAGE_NAME, make_stage

    settings = load(EnrichSettings)
    if enricher is None:
        entities.use_model(settings.enrich_ner)
        enricher = Enricher(topics.load(taxonomy or settings.enrich_taxonomy))
        enricher.load_models()
    quiet_gc()  # the models are loaded: out of the collector's sight
    base = metrics_port if metrics_port is not None else settings.metrics_port
    if base:
        metrics.start(settings, base + slot)
    stage = make_stage(enricher, _stories(settings))
    runner = StageRunner(STAGE_NAME, settings, dk.RAW, stage, max_batch=settings.enrich_batch)
    if not drain:
        return runner.run_forever()
    if n > 1:
        runner.stop_on_signals()
    return runner.drain(shares[slot] if shares is not None else None)

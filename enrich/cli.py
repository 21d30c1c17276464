"""Commands of the enrich stage: `dozor enrich` (service, --drain, or offline over JSONL)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor import kafka as dk
from dozor import metrics
from dozor.cli_support import MetricsPort, run_command
from dozor.errors import UsageError
from dozor.settings import load
from dozor.stream import StageRunner

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
) -> None:
    """Add language, script, topics, normalized and stemmed text, entities and the post's story to posts
    (posts.raw -> posts.enriched). Stories need Elasticsearch (DOZOR_ENRICH_STORIES=false turns them off);
    --input assigns them within the file."""

    def body() -> int:
        from enrich import entities, offline, topics
        from enrich.pipeline import Enricher
        from enrich.settings import EnrichSettings
        from enrich.stage import STAGE_NAME, make_stage

        if output_file is not None and input_file is None:
            raise UsageError("--output needs --input (the Kafka stage writes to posts.enriched)")
        if input_file is not None and drain:
            raise UsageError("--drain is for the Kafka stage; --input runs over a file")
        settings = load(EnrichSettings)
        entities.use_model(settings.enrich_ner)
        enricher = Enricher(topics.load(taxonomy or settings.enrich_taxonomy))
        if input_file is not None:
            stats = offline.run(input_file, output_file or "-", enricher)
            print(stats.summary(), file=sys.stderr)
            return 0
        metrics.start(settings, metrics_port)
        runner = StageRunner(
            STAGE_NAME,
            settings,
            dk.RAW,
            make_stage(enricher, _stories(settings)),
            max_batch=settings.enrich_batch,
        )
        dk.ensure_topics(settings, [dk.ENRICHED, dk.DLQ])
        result = runner.drain() if drain else runner.run_forever()
        print(f"enrich: {result.summary()}", file=sys.stderr)
        return 0

    run_command(body)


def _stories(settings: EnrichSettings) -> StoryAssigner | None:
    if not settings.enrich_stories:
        return None
    from dozor import es
    from enrich.stories import StoryAssigner
    from enrich.stories.es_store import EsStoryStore

    return StoryAssigner(EsStoryStore(es.client(settings), settings))

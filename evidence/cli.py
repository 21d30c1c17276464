"""`dozor evidence ...`: the evidence stage, sealing daily roots, checking the log, bundles."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor.cli_support import MetricsPort, run_command
from dozor.errors import UsageError
from dozor.settings import load

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from evidence.chain import Chain
    from evidence.settings import EvidenceSettings

app = typer.Typer(help="Evidence: the hash-chained log, daily roots, bundles.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add this package's commands to the `dozor` app."""
    root.add_typer(app, name="evidence")


def _connect() -> tuple[EvidenceSettings, Elasticsearch]:
    from dozor import es as des
    from evidence.settings import EvidenceSettings

    settings = load(EvidenceSettings)
    return settings, des.wait_ready(settings, timeout_s=15)


def _chain() -> tuple[EvidenceSettings, Elasticsearch, Chain]:
    from evidence.chain import Chain

    settings, es = _connect()
    return settings, es, Chain(es, settings)


@app.command("run")
def run(
    drain: Annotated[
        bool, typer.Option("--drain", help="consume up to the end offsets seen at start, commit, exit")
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """Append one log entry per post version (posts.raw) and per stored media file (posts.media)."""

    def body() -> int:
        from dozor import kafka as dk
        from dozor import metrics
        from dozor.stream import StageRunner
        from evidence.chain import Chain
        from evidence.stage import STAGE_NAME, EvidenceStage

        settings, es = _connect()
        metrics.start(settings, metrics_port)
        stage = EvidenceStage(Chain(es, settings), media_topic=settings.topic(dk.MEDIA))
        # One consumer over both topics: partition n of each (one channel's posts and files) in one process.
        runner = StageRunner(STAGE_NAME, settings, [dk.RAW, dk.MEDIA], stage, max_batch=settings.evidence_batch)
        stage.chain.ensure_indices()
        dk.ensure_topics_waiting(settings, [dk.DLQ], wait=not drain)
        stats = runner.drain() if drain else runner.run_forever()
        print(
            f"evidence: {stats.consumed} consumed, {stage.appended} entries appended, "
            f"{stage.repeated} already in the log, {stats.rejected} to DLQ",
            file=sys.stderr,
        )
        return 0

    run_command(body)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--day {value!r}: expected a date like 2026-10-19") from None


@app.command("seal")
def seal(
    day: Annotated[
        str | None, typer.Option("--day", help="the UTC day to seal (default: every finished day not sealed yet)")
    ] = None,
) -> None:
    """Compute the daily root (Merkle tree over the day's entries); timestamp it when a TSA is configured."""

    def body() -> int:
        from dozor.records import utcnow
        from evidence import roots

        wanted = _parse_day(day) if day is not None else None
        settings, _, chain = _chain()
        now = utcnow()
        days = [wanted] if wanted is not None else roots.days_to_seal(chain, settings, now)
        if not days:
            print("evidence seal: no finished day left to seal")
        for d in days:
            sealed = roots.seal(chain, settings, d, now)
            print(sealed.line() if sealed is not None else f"{d}: nothing was appended that day")
        return 0

    run_command(body)


@app.command("check")
def check(
    first: Annotated[int, typer.Option("--from", min=1, help="first seq to check")] = 1,
    last: Annotated[int | None, typer.Option("--to", min=1, help="last seq to check (default: the head)")] = None,
) -> None:
    """Check the log in Elasticsearch: every entry's hash and link, no gap, and every sealed root."""

    def body() -> int:
        from evidence import roots

        _, _, chain = _chain()
        result = chain.verify(first, last)
        problems = result.problems + roots.check_roots(chain)
        for line in problems:
            print(line)
        print(f"evidence check: {result.checked} entries checked, {len(problems)} problems", file=sys.stderr)
        return 1 if problems else 0

    run_command(body)


@app.command("export")
def export(
    post_ids: Annotated[list[str], typer.Argument(help="post ids: tg:<channel id>:<message id>")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the bundle to write (.zip)")],
) -> None:
    """Write an evidence bundle: the posts as collected, every version, media, hashes, chain entries."""

    def body() -> int:
        from evidence import bundle
        from evidence.blobs import open_blob_store

        for post_id in post_ids:
            bundle.check_post_id(post_id)
        if not output.parent.is_dir():
            raise UsageError(f"--output {output}: no such directory {output.parent}")
        settings, es, chain = _chain()
        manifest = bundle.export(es, settings, chain, open_blob_store(), post_ids, output)
        for m in manifest["missing"]:
            print(
                f"evidence export: {m['post_id']}: {m['what']} {m['sha256']} not included: {m['reason']}",
                file=sys.stderr,
            )
        days = [r["day"] for r in manifest["chain"]["roots"]]
        print(
            f"{output}: {len(manifest['posts'])} posts, {len(manifest['files'])} files, "
            f"{len(manifest['chain']['entries'])} chain entries, sealed days: {', '.join(days) or 'none'}"
        )
        return 0

    run_command(body)


@app.command("verify")
def verify(
    bundle_path: Annotated[
        Path, typer.Argument(help="an evidence bundle (.zip, or the directory it was extracted to)")
    ],
    tsa_ca: Annotated[
        Path | None, typer.Option("--tsa-ca", help="the TSA's CA certificate (PEM) to check timestamps against")
    ] = None,
) -> None:
    """Exit 0 when every file matches its hash and the chain entries check out; 1 naming what changed."""

    def body() -> int:
        from evidence.verify import verify as verify_bundle

        if tsa_ca is not None and not tsa_ca.is_file():
            raise UsageError(f"--tsa-ca {tsa_ca}: no such file")
        report = verify_bundle(bundle_path, tsa_ca.read_bytes() if tsa_ca is not None else None)
        for line in report.lines():
            print(line)
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
        if report.problems:
            print(f"{bundle_path}: CHANGED ({len(report.problems)} problems)", file=sys.stderr)
            return 1
        days = ", ".join(report.roots) or "none"
        print(f"{bundle_path}: intact: {report.files} files, {report.entries} chain entries, sealed days: {days}")
        return 0

    run_command(body)

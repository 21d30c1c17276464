"""`dozor retention apply --policies FILE [--dry-run] [--json]`."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer

from dozor.cli_support import run_command

retention_app = typer.Typer(
    help="Retention: mask, delete and drop the media of posts as they age.", no_args_is_help=True
)


@retention_app.command("apply")
def apply_command(
    policies: Annotated[
        Path, typer.Option("--policies", envvar="DOZOR_RETENTION_POLICIES", help="the retention policy file (YAML)")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would change; change nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per change")] = False,
    every: Annotated[
        str | None, typer.Option("--every", help="run as a service: apply again after this long (e.g. 24h, 30m)")
    ] = None,
) -> None:
    """Apply the retention policies to the stored posts (and delete media blobs no post refers to any more)."""
    pause = _duration(every) if every else None

    def body() -> int:
        from media.settings import MediaSettings
        from media.store import open_store
        from search.cli_common import load_settings, with_es
        from search.retention import Retention
        from search.retention_policy import load_policies

        rules = load_policies(policies)
        settings = load_settings()
        store = None if dry_run else open_store(MediaSettings(**dict(settings)))
        report = with_es(
            settings,
            lambda es: Retention(es, settings, rules).run(dry_run=dry_run, delete_blob=store.delete if store else None),
        )
        for change in report.changes:
            if as_json:
                print(json.dumps(change.as_json(), ensure_ascii=False, sort_keys=True))
            else:
                print(f"{'would ' if dry_run else ''}{change.action} {change.target} ({change.policy})")
        counts = ", ".join(f"{report.count(a)} {a}" for a in ("delete", "redact", "expire_media", "delete_blob"))
        claims = sum(int(c.detail.get("claims", 0)) for c in report.changes if c.action == "expire_stories")
        counts += f", {claims} story claims expired"
        counts += f", past months {'to merge' if dry_run else 'merged'} into one segment: {len(report.merged)}"
        typer.echo(f"retention{' (dry run)' if dry_run else ''}: {counts}", err=True)
        return 0

    if pause is None:
        run_command(body)
        return
    while True:  # a failed pass (Elasticsearch away) is reported and tried again at the next one
        try:
            run_command(body)
        except typer.Exit as done:
            if done.exit_code == 2:  # a bad policy file or usage: no later pass would do better
                raise
            if done.exit_code != 0:
                typer.echo(f"retention: this pass failed; the next in {every}", err=True)
        time.sleep(pause)


def _duration(text: str) -> float:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r}: give a duration like 30m, 24h or 7d", param_hint="--every")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]

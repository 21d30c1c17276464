"""`dozor retention apply --policies FILE [--dry-run] [--json]`."""

from __future__ import annotations

import json
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
) -> None:
    """Apply the retention policies to the stored posts (and delete media blobs no post refers to any more)."""

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
        typer.echo(f"retention{' (dry run)' if dry_run else ''}: {counts}", err=True)
        return 0

    run_command(body)

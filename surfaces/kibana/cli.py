"""`dozor kibana setup` and `dozor kibana export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dozor.cli_support import run_command
from dozor.errors import DozorError
from dozor.settings import load
from surfaces.kibana.fields import check as check_fields
from surfaces.kibana.fields import known_mappings
from surfaces.kibana.objects import static_objects
from surfaces.kibana.saved_object import to_ndjson
from surfaces.kibana.settings import KibanaSettings

REPO_NDJSON = Path(__file__).with_name("objects.ndjson")

kibana_app = typer.Typer(help="Kibana: install Dozor's data views, dashboard and saved searches.", no_args_is_help=True)


@kibana_app.command("setup")
def setup_command(
    url: Annotated[str | None, typer.Option("--url", help="Kibana URL (default DOZOR_KIBANA_URL)")] = None,
    saved_searches: Annotated[
        bool, typer.Option("--saved-searches/--no-saved-searches", help="also add Dozor's saved searches")
    ] = True,
) -> None:
    """Create or update the data views, the "Dozor overview" dashboard and one Kibana saved search per
    Dozor saved search. Safe to re-run: objects are updated in place, never duplicated."""

    def body() -> int:
        from search.cli_common import with_es
        from search.saved import SavedSearch, SavedSearches
        from surfaces.kibana.setup import KibanaClient, objects_for, setup

        settings = load(KibanaSettings, **({"kibana_url": url} if url else {}))
        saved: list[SavedSearch] = []
        if saved_searches:
            saved = with_es(settings, lambda es: SavedSearches(es, settings).list())
        client = KibanaClient(settings)
        try:
            result = setup(client, objects_for(settings, saved), settings.index_prefix)
        finally:
            client.close()
        gone = f", {len(result.deleted)} stale saved search(es) removed" if result.deleted else ""
        print(f"kibana: {result.imported} objects imported into {client.url} ({len(saved)} saved searches){gone}")
        print(f"kibana: open {client.url}/app/dashboards#/view/{settings.index_prefix}-dashboard-overview")
        return 0

    run_command(body)


@kibana_app.command("export")
def export_command(
    output: Annotated[
        str, typer.Option("--output", "-o", help="file to write, or - for stdout (default: the repository's copy)")
    ] = str(REPO_NDJSON),
    check: Annotated[bool, typer.Option("--check", help="only compare: exit 1 when the file differs")] = False,
) -> None:
    """Write the shipped saved objects (data views, charts, dashboard) as NDJSON for Kibana's import."""

    def body() -> int:
        objects = static_objects()
        problems = check_fields(objects, known_mappings())
        if problems:
            raise DozorError("the Kibana objects use fields the index templates lack: " + "; ".join(problems))
        text = to_ndjson(objects)
        if output == "-":
            sys.stdout.write(text)
            return 0
        path = Path(output)
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                raise DozorError(f"{path} is not what `dozor kibana export` generates: regenerate it")
            print(f"{path} is up to date")
            return 0
        path.write_text(text, encoding="utf-8")
        print(f"wrote {len(text.splitlines())} objects to {path}")
        return 0

    run_command(body)


@kibana_app.command("roles")
def roles_command(
    fmt: Annotated[
        str, typer.Option("--format", help="json (for PUT _security/role/NAME) or yaml (roles.yml)")
    ] = "json",
) -> None:
    """Print Elasticsearch role definitions for Kibana users, one per Dozor role: read-only on posts; the
    audit log for the admin role only."""

    def body() -> int:
        import json

        from surfaces.kibana.roles import as_yaml, roles

        if fmt not in ("json", "yaml"):
            raise DozorError(f"--format {fmt!r}: use json or yaml")
        definitions = roles(load(KibanaSettings))
        print(as_yaml(definitions) if fmt == "yaml" else json.dumps(definitions, indent=2, sort_keys=True))
        return 0

    run_command(body)

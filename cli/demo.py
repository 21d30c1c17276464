"""`dozor demo`: the main job, end to end over the sample corpus on the local stack.

Each step runs the same `dozor` command a user would type, so the demo exercises the real contracts:
stack up → alert rules registered → import → enrich --drain → index --drain → search / stats →
media: two generated Telegram Desktop exports with a photographed notice (import with their files →
ocr --drain → index --drain → evidence run --drain → evidence seal → a bundle exported and verified) →
alert --drain (webhooks to a local receiver; the notice's image text fires a rule) → the web UI left
running for the user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.rule import Rule

from dozor import settings as cfg
from dozor.cli_support import run_command
from dozor.errors import DozorError
from dozor.stack.local import LocalStack
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed, port_free

console = Console()
DEMO_TOKEN = "demo-token"
UI_PORT = 8000
WEBHOOK_PORT = 8080

SEARCHES: list[tuple[str, list[str]]] = [
    ("гражданство AND лишение", []),
    ("fuqarolik", ["--lang", "uz"]),
    ("Сахарово AND контракт", []),
    ("*", ["--topic", "foreign_fighting", "--category", "official"]),
]


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _dozor(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    console.print(f"[bold cyan]$ dozor {' '.join(args)}[/]")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        text=True,
        capture_output=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if proc.stdout:
        console.print(proc.stdout.rstrip(), markup=False, highlight=False)
    if proc.stderr:
        console.print(proc.stderr.rstrip(), style="dim", markup=False, highlight=False)
    if check and proc.returncode != 0:
        raise DozorError(f"demo step failed: dozor {' '.join(args)} (exit {proc.returncode})")
    return proc


def demo_api(paths: StackPaths) -> Managed:
    return Managed("api", paths.run / f"demo-api-{UI_PORT}.pid")


def _start_ui(paths: StackPaths, registry: Path) -> str:
    """Leave `dozor api` (API + web UI) running for the user, like the stack itself."""
    url = f"http://127.0.0.1:{UI_PORT}/ui/"
    api = demo_api(paths)
    if api.alive():
        return url
    if not port_free("127.0.0.1", UI_PORT):
        raise DozorError(f"port {UI_PORT} is taken: stop what listens there to see the demo UI")
    env = {**os.environ, "DOZOR_API_TOKENS": DEMO_TOKEN, "DOZOR_REGISTRY": str(registry)}
    log_file = paths.run / "demo-api.log"
    api.start([sys.executable, "-m", "cli", "api", "--port", str(UI_PORT)], cwd=paths.run, env=env, log_file=log_file)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{UI_PORT}/healthz", timeout=2).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise DozorError(f"the demo UI did not start; see {log_file}")


def _media_steps(folder: Path) -> str:
    """Import two generated exports with their photos, read the text in them, index it, log it as evidence,
    then find the notice by a word only its image holds and check its evidence bundle."""
    from cli.demo_media import write_exports

    exports = write_exports(folder)
    for export in exports:
        _dozor("import", str(export.path), "--channel", export.channel)
    _dozor("enrich", "--drain")
    _dozor("ocr", "--drain")
    _dozor("index", "--drain")
    _dozor("evidence", "run", "--drain")
    _dozor("evidence", "seal")
    _dozor("search", "ocr:Сахарово", "--has-media", "--limit", "3")
    found = _dozor("search", "военкомат контракт", "--media-type", "photo", "--json", "--limit", "1")
    hit = json.loads(found.stdout.splitlines()[0]) if found.stdout.strip() else None
    if hit is None:
        raise DozorError("demo: the photographed notice was not found by its image text")
    phash = next((m["phash"] for m in hit.get("media", []) if m.get("phash")), None)
    if phash:
        _dozor("search", "*", "--phash", phash, "--limit", "5")  # the repost: a near-identical image
    bundle = folder / "evidence.zip"
    _dozor("evidence", "export", hit["id"], "--output", str(bundle))
    _dozor("evidence", "verify", str(bundle))
    return str(hit["id"])


def run_demo() -> int:
    from alerts.receiver import WebhookReceiver

    settings = cfg.load(cfg.DozorSettings)
    stack = LocalStack(settings)
    corpus = _package_file("ingest", "samples", "corpus.jsonl")
    registry = _package_file("ingest", "samples", "channels.example.yaml")
    rules = _package_file("alerts", "examples", "rules.example.yaml")

    console.print(Rule("1. local Kafka + Elasticsearch"))
    stack.up()
    _dozor("stack", "status")

    with WebhookReceiver(WEBHOOK_PORT) as receiver:
        console.print(Rule("2. alert rules (a rule alerts on posts indexed after it is first seen)"))
        _dozor("alert", "--rules", str(rules), "--drain")

        console.print(Rule("3. the sample corpus -> posts.raw -> enrich -> posts.enriched -> Elasticsearch"))
        t0 = time.monotonic()
        _dozor("import", str(corpus))
        _dozor("enrich", "--drain")
        _dozor("index", "--drain")
        console.print(f"pipeline: {time.monotonic() - t0:.1f}s")

        console.print(Rule("4. search (Lucene syntax; stemmed, both Uzbek scripts)"))
        for query, flags in SEARCHES:
            _dozor("search", query, "--limit", "3", *flags)
        _dozor("stats")

        console.print(Rule("5. media: a photographed notice, read by OCR, kept as evidence"))
        notice = _media_steps(stack.paths.run / "demo-media")

        console.print(Rule("6. alerts fired on the corpus (webhooks to a local receiver)"))
        _dozor("alert", "--rules", str(rules), "--drain")
        _dozor("alerts", "list", "--limit", "10")
        fired = receiver.received
        console.print(
            f"webhook receiver got {len(fired)} new alert(s) this run (an alert fires once: on a re-run, the"
            " ones fired before are in the list above)"
        )
        for item in fired[:10]:
            post = item.body.get("post", {})
            console.print(
                json.dumps({"rule": item.body.get("rule"), "post": post.get("id"), "url": post.get("url")}),
                markup=False,
            )

    console.print(Rule("7. the monitor web UI"))
    url = _start_ui(stack.paths, registry)
    console.print(f"Web UI: {url}  (sign in with the token: {DEMO_TOKEN})")
    console.print(f"The photographed notice, its image, hash, OCR text and evidence bundle: {url}posts/{notice}")
    console.print("Stop everything with: dozor stack down")
    return 0


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Run the whole pipeline over the sample corpus on the local stack and show the results."""
        run_command(run_demo)

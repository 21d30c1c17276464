"""The web UI tests' world: the sample corpus loaded through the real pipeline (import → enrich → index →
alert) into its own topics and indices, `dozor api` serving it, and Debian's Chromium driven by Playwright.
Registered in conftest.py: the loaded world is one per session (both web UI modules share it); the
browser is one per module, so Playwright's event loop is gone before other modules run asyncio."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from dozor import es as dozor_es
from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from search.filters import SearchFilters
from search.service import search
from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
REGISTRY = ROOT / "ingest" / "samples" / "channels.example.yaml"
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("DOZOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "web-test-token-0123456789"
RULE = "migrants-watch"
XSS_ID = "tg:1790000777:7"
FRESH_ID = "tg:1790000777:8"
XSS_TEXT = 'мигранты <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> конец'
# A channel title and a post with hidden characters: an RLO (U+202E) that would reverse what follows,
# a zero-width space splitting a word, and a family emoji whose ZWJs are meant to be there. The title
# and a hashtag are long words with no place to break a line (a phone must not scroll sideways).
BIDI_ID = "tg:1790000778:19"
BIDI_TITLE = "Новости_миграции_Средней_Азии \u202eздоровья"
BIDI_TEXT = (
    "мигранты прислали файл счёт\u202egpj.exe и пишут про мо\u200bбилизацию 👨\u200d👩\u200d👧 в общежитии "
    "#гражданствоРоссийскойФедерацииДляМигрантов"
)


def _later_posts() -> list[dict[str, Any]]:
    """Posts imported after the alert rule was first seen: they fire alerts. One carries HTML, one
    hidden characters (its channel's country is written in lower case, as some sources do)."""
    channel = {"id": 1790000777, "username": "xss_probe_example", "title": "<b>XSS</b> probe", "category": "other"}
    base = {
        "schema": 1,
        "source": "telegram",
        "event": "new",
        "channel": {**channel, "country": "RU"},
        "edit_date": None,
        "links": [],
        "mentions": [],
        "hashtags": [],
        "forward": None,
        "reply_to": None,
        "views": 10,
        "forwards": 0,
        "reactions": {},
        "media": None,
        "grouped_id": None,
    }
    return [
        {
            **base,
            "message_id": 7,
            "date": "2026-11-20T10:00:00Z",
            "collected_at": "2026-11-20T10:01:00Z",
            "text": XSS_TEXT,
        },
        {
            **base,
            "message_id": 8,
            "date": "2026-11-20T11:00:00Z",
            "collected_at": "2026-11-20T11:01:00Z",
            "text": "Рейд на рынке: полиция задержала мигрантов, правозащитники собирают жалобы.",
        },
        {
            **base,
            "channel": {
                "id": 1790000778,
                "username": "bidi_probe_example",
                "title": BIDI_TITLE,
                "category": "media",
                "country": "tj",
            },
            "message_id": 19,
            "date": "2026-11-20T12:00:00Z",
            "collected_at": "2026-11-20T12:01:00Z",
            "text": BIDI_TEXT,
        },
    ]


class Env:
    def __init__(self, settings: DozorSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir
        self.vars = {
            **os.environ,
            "DOZOR_TOPIC_PREFIX": settings.topic_prefix,
            "DOZOR_INDEX_PREFIX": settings.index_prefix,
            "DOZOR_API_TOKENS": TOKEN,
            "DOZOR_REGISTRY": str(REGISTRY),
        }
        self.base = ""
        self.timings: list[float] = []

    def dozor(self, *args: str, timeout: float = 240) -> str:
        exe = shutil.which("dozor", path=str(Path(sys.executable).parent)) or "dozor"
        done = subprocess.run(
            [exe, *args], env=self.vars, capture_output=True, text=True, timeout=timeout, cwd=self.workdir
        )
        assert done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout


@pytest.fixture(scope="session", name="env")
def env_fixture(stack: LocalStack, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    settings = DozorSettings(topic_prefix=f"t{run_id}-web-", index_prefix=f"dz{run_id}-web")
    workdir = tmp_path_factory.mktemp("web")
    e = Env(settings, workdir)
    rules = workdir / "rules.yaml"
    rules.write_text(f"rules:\n  - name: {RULE}\n    query: 'мигранты'\n", encoding="utf-8")
    later = workdir / "later.jsonl"
    later.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in _later_posts()), encoding="utf-8")

    for step in (
        ["import", str(CORPUS)],
        ["enrich", "--drain"],
        ["index", "--drain"],
        ["alert", "--rules", str(rules), "--drain"],
    ):
        e.dozor(*step)
    for step in (
        ["import", str(later)],
        ["enrich", "--drain"],
        ["index", "--drain"],
        ["alert", "--rules", str(rules), "--drain"],
    ):
        e.dozor(*step)

    port = free_port()
    exe = shutil.which("dozor", path=str(Path(sys.executable).parent)) or "dozor"
    log = (workdir / "api.log").open("w")
    api = subprocess.Popen(
        [exe, "api", "--host", "127.0.0.1", "--port", str(port)], env=e.vars, stdout=log, stderr=subprocess.STDOUT
    )
    e.base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{e.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert api.poll() is None and time.monotonic() < deadline, (workdir / "api.log").read_text()
            time.sleep(0.3)
        yield e
    finally:
        api.terminate()
        api.wait(timeout=20)
        log.close()
        if e.timings:
            ordered = sorted(e.timings)
            p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
            print(
                f"\nsearch page, server side over {len(ordered)} loads: "
                f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
            )


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium chromium-driver (or set DOZOR_CHROMIUM)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def track(env: Env, page: Page) -> None:
    def on_response(resp: Response) -> None:
        if "/ui/search" in resp.url and "/ui/searches" not in resp.url and resp.status == 200:
            timing = resp.headers.get("server-timing", "")
            if "dur=" in timing:
                env.timings.append(float(timing.split("dur=")[1].split(";")[0]))

    page.on("response", on_response)


@pytest.fixture(name="page")
def page_fixture(env: Env, browser: Browser) -> Iterator[Page]:
    """A logged-in page (the login form, as a user would do it)."""
    ctx: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    track(env, pg)
    pg.goto(f"{env.base}/ui/search")
    assert "/ui/login" in pg.url
    pg.fill("#token", TOKEN)
    pg.click("form[action='/ui/login'] button[type=submit]")
    pg.wait_for_url("**/ui/search**")
    yield pg
    ctx.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


# ---- auth ------------------------------------------------------------------------------------------


def expected(env: Env, query: str, **filters: Any) -> tuple[int, list[str], dict[str, int]]:
    """What Elasticsearch says, asked directly: total, ids of the first page, per-language counts."""
    es = dozor_es.client(env.settings)
    try:
        f = SearchFilters(**filters)
        result = search(es, env.settings, query, f, limit=20)
        langs: dict[str, int] = {}
        for hit in search(es, env.settings, query, f, limit=1000).hits:
            langs[hit["lang"]] = langs.get(hit["lang"], 0) + 1
        return result.total, [h["id"] for h in result.hits], langs
    finally:
        es.close()

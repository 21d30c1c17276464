"""The monitor web UI in Debian's Chromium (driven by Playwright), against the real `dozor api`, Kafka
and Elasticsearch with the sample corpus loaded through the pipeline (import → enrich → index → alert).

Screenshots of every page go to docs/screenshots/. The search page's server-side time (its
Server-Timing header) is collected over the run and printed as p50/p95 at the end.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from alerts.state import AlertStore
from dozor import es as dozor_es
from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from search.filters import SearchFilters
from search.saved import SavedSearches, SearchSpec
from search.service import search

pytestmark = pytest.mark.integration

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


def _later_posts() -> list[dict[str, Any]]:
    """Posts imported after the alert rule was first seen: they fire alerts. One carries HTML."""
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
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture(scope="module")
def env(stack: LocalStack, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
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

    port = _free_port()
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium chromium-driver (or set DOZOR_CHROMIUM)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _track(env: Env, page: Page) -> None:
    def on_response(resp: Response) -> None:
        if "/ui/search" in resp.url and "/ui/searches" not in resp.url and resp.status == 200:
            timing = resp.headers.get("server-timing", "")
            if "dur=" in timing:
                env.timings.append(float(timing.split("dur=")[1].split(";")[0]))

    page.on("response", on_response)


@pytest.fixture()
def page(env: Env, browser: Browser) -> Iterator[Page]:
    """A logged-in page (the login form, as a user would do it)."""
    ctx: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    _track(env, pg)
    pg.goto(f"{env.base}/ui/search")
    assert "/ui/login" in pg.url
    pg.fill("#token", TOKEN)
    pg.click("form[action='/ui/login'] button[type=submit]")
    pg.wait_for_url("**/ui/search**")
    yield pg
    ctx.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


# ---- auth ------------------------------------------------------------------------------------------

PROTECTED = [
    "/ui/search",
    "/ui/search?q=*&lang=ru",
    f"/ui/posts/{quote(XSS_ID)}",
    "/ui/searches",
    "/ui/alerts",
    "/ui/channels",
    "/ui/export.csv?q=*",
    "/ui/export.jsonl?q=*",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_without_a_valid_token_every_page_redirects_to_login(env: Env, path: str) -> None:
    sep = "&" if "?" in path else "?"
    for cookies, url in (({}, path), ({}, f"{path}{sep}token={TOKEN}"), ({"dozor_session": "wrong"}, path)):
        with httpx.Client(base_url=env.base, cookies=cookies) as http:
            resp = http.get(url)
        assert resp.status_code == 303, url
        assert resp.headers["location"].startswith("/ui/login?next=")
    # the same pages open with the cookie that the login form sets
    with httpx.Client(base_url=env.base, cookies={"dozor_session": TOKEN}) as http:
        assert http.get(path).status_code == 200


def test_login_refuses_a_bad_token_and_sets_a_secure_httponly_cookie(env: Env, browser: Browser) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    pg.goto(f"{env.base}/ui/login")
    _shot(pg, "login")
    pg.fill("#token", "not-the-token")
    pg.click("form[action='/ui/login'] button[type=submit]")
    assert pg.locator(".error").is_visible()
    pg.fill("#token", TOKEN)
    pg.click("form[action='/ui/login'] button[type=submit]")
    pg.wait_for_url("**/ui/search**")
    (cookie,) = [c for c in ctx.cookies() if c["name"] == "dozor_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert pg.evaluate("document.cookie").find("dozor_session") == -1  # scripts cannot read it
    pg.click("form[action='/ui/logout'] button")
    pg.wait_for_url("**/ui/login**")
    pg.goto(f"{env.base}/ui/alerts")
    assert "/ui/login" in pg.url
    ctx.close()


# ---- search ----------------------------------------------------------------------------------------


def _expected(env: Env, query: str, **filters: Any) -> tuple[int, list[str], dict[str, int]]:
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


def test_search_with_a_filter_shows_the_expected_posts_and_facet_counts(env: Env, page: Page) -> None:
    total, ids, langs = _expected(env, "мигранты", category=["migrant_community"])
    assert total > 0
    page.fill("#q", "мигранты")
    page.select_option("select[name=category]", "migrant_community")
    page.click("form.searchbar button[type=submit]")
    page.wait_for_url("**category=migrant_community**")
    assert int(page.get_attribute("#total", "data-total") or -1) == total
    shown = page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.id)")
    assert shown == ids
    for lang, count in langs.items():
        link = page.locator(f"[data-facet=lang] a[href*='lang={lang}'] .n")
        assert int(link.get_attribute("data-count") or -1) == count, lang
    cats = page.locator("[data-facet=category] .n").evaluate_all("els => els.map(e => +e.dataset.count)")
    assert cats == [total]  # the filter holds: one category left
    assert page.locator("li.hit mark").count() > 0  # highlighted snippets
    assert page.locator("li.hit a.tme").first.get_attribute("href", timeout=5000).startswith("https://t.me/")
    assert page.locator(".histogram rect").count() >= 1
    _shot(page, "search")

    # a facet link narrows the result; the counts follow
    lang, count = max(langs.items(), key=lambda kv: kv[1])
    page.click(f"[data-facet=lang] a[href*='lang={lang}']")
    page.wait_for_url(f"**lang={lang}**")
    assert int(page.get_attribute("#total", "data-total") or -1) == count


def test_search_page_paginates_and_works_on_a_phone(env: Env, browser: Browser, page: Page) -> None:
    total, _, _ = _expected(env, "*")
    page.goto(f"{env.base}/ui/search?q=*")
    first = page.locator("li.hit").first.get_attribute("data-id")
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator("li.hit").first.get_attribute("data-id") != first
    assert int(page.get_attribute("#total", "data-total") or -1) == total

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="ru-RU")
    phone.add_cookies([{"name": "dozor_session", "value": TOKEN, "url": env.base, "secure": True, "httpOnly": True}])
    pg = phone.new_page()
    _track(env, pg)
    pg.goto(f"{env.base}/ui/search?q=мигранты")
    assert pg.locator("#q").is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    assert pg.locator("form.searchbar button[type=submit]").inner_text() == "Найти"  # Russian labels
    _shot(pg, "search-phone")
    phone.close()


def test_repeated_searches_for_timing(env: Env, page: Page) -> None:
    """Loads the search page with varied queries and filters (the timings feed the p95 report)."""
    queries = ["*", "мигранты", "патент", "гражданство", "fuqarolik", "text:рейд", "контракт AND Сахарово"]
    for n in range(30):
        q = queries[n % len(queries)]
        extra = ["", "&lang=ru", "&category=official", "&script=Cyrl", "&deleted=1"][n % 5]
        resp = page.goto(f"{env.base}/ui/search?q={quote(q)}{extra}")
        assert resp is not None and resp.status == 200
        assert page.locator("#total").count() == 1
    assert len(env.timings) >= 30


# ---- post page -------------------------------------------------------------------------------------


def _edited_post() -> tuple[str, str]:
    """An edit in the corpus whose text differs from the original: its id and a word it added."""
    originals: dict[str, str] = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        key = f"tg:{r['channel']['id']}:{r['message_id']}"
        if r["event"] == "new":
            originals[key] = r["text"]
        elif r["event"] == "edit" and key in originals and r["text"] != originals[key]:
            added = [w for w in r["text"].split() if w not in originals[key].split() and w.isalpha()]
            if added:
                return key, added[0]
    raise AssertionError("the sample corpus has no edit that changes the text")


def test_post_page_shows_the_edit_diff(env: Env, page: Page) -> None:
    post_id, added = _edited_post()
    page.goto(f"{env.base}/ui/posts/{quote(post_id)}")
    assert page.locator("article.post").get_attribute("data-id") == post_id
    assert page.locator("#history .diff").count() >= 1
    inserted = " ".join(page.locator("#history .after ins").all_inner_texts())
    assert added in inserted
    assert added not in " ".join(page.locator("#history .before").all_inner_texts())
    assert page.locator(".facts").is_visible()
    _shot(page, "post")


def test_post_page_shows_topics_with_matched_terms(env: Env, page: Page) -> None:
    es = dozor_es.client(env.settings)
    try:
        hit = es.search(
            index=env.settings.index("posts"), query={"exists": {"field": "topics"}}, size=1, sort=[{"date": "desc"}]
        )["hits"]["hits"][0]
    finally:
        es.close()
    src = hit["_source"]
    page.goto(f"{env.base}/ui/posts/{quote(hit['_id'])}")
    topic = src["topics"][0]
    row = page.locator(".topic-row", has=page.locator(f".tag.topic:text-is('{topic}')"))
    terms = row.locator("code.term").all_inner_texts()
    assert terms == list(src["topic_hits"][topic])


def test_post_page_marks_deletions_and_shows_forward_origins(env: Env, page: Page) -> None:
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    deleted = next(r for r in records if r["event"] == "delete")
    page.goto(f"{env.base}/ui/posts/{quote('tg:{}:{}'.format(deleted['channel']['id'], deleted['message_id']))}")
    assert page.locator("#deleted").is_visible()
    forwarded = next(r for r in records if r["event"] == "new" and r["forward"])
    page.goto(f"{env.base}/ui/posts/{quote('tg:{}:{}'.format(forwarded['channel']['id'], forwarded['message_id']))}")
    assert forwarded["forward"]["from_name"] in page.locator(".forward").inner_text()


# ---- saved searches, alerts, channels --------------------------------------------------------------


def test_save_a_search_and_see_new_since_last_visit(env: Env, page: Page) -> None:
    total, _, _ = _expected(env, "патент", lang=["ru"])
    page.goto(f"{env.base}/ui/search?q={quote('патент')}&lang=ru")
    page.fill("form.save input[name=name]", "patent-ru")
    page.click("form.save button[type=submit]")
    page.wait_for_url("**/ui/searches")
    item = page.locator("li[data-name='patent-ru']")
    assert item.is_visible()
    # just saved = just visited: nothing new since
    assert item.locator(".new").get_attribute("data-new") == "0"
    es = dozor_es.client(env.settings)
    try:
        saved = SavedSearches(es, env.settings).get("patent-ru")
    finally:
        es.close()
    assert (saved.query, saved.filters.lang) == ("патент", ["ru"])

    # a search saved elsewhere (CLI, API) and never opened here: everything it matches is new
    rights, _, _ = _expected(env, "правозащитники")
    es = dozor_es.client(env.settings)
    try:
        SavedSearches(es, env.settings).create("rights", SearchSpec(query="правозащитники"))
    finally:
        es.close()
    page.reload()
    assert page.locator("li[data-name='rights'] .new").get_attribute("data-new") == str(rights)
    _shot(page, "saved-searches")

    # open it: the search page with its query and filter
    item.locator("a.name").click()
    page.wait_for_url("**/ui/search?**")
    assert page.input_value("#q") == "патент"
    assert int(page.get_attribute("#total", "data-total") or -1) == total

    # edit, then delete
    page.goto(f"{env.base}/ui/searches/patent-ru/edit")
    page.fill("input[name=q]", "патент OR патента")
    page.click("form.edit button[type=submit]")
    page.wait_for_url("**/ui/searches")
    assert page.locator("li[data-name='patent-ru'] code.query").inner_text() == "патент OR патента"
    page.locator("li[data-name='patent-ru'] form button").click()
    page.wait_for_url("**/ui/searches")
    assert page.locator("li[data-name='patent-ru']").count() == 0


def test_alerts_inbox_acknowledges_an_alert(env: Env, page: Page) -> None:
    page.goto(f"{env.base}/ui/alerts")
    alerts = page.locator("li.alert")
    assert alerts.count() >= 2
    ids = alerts.evaluate_all("els => els.map(e => e.dataset.id)")
    assert page.locator("li.alert .rule").all_inner_texts()[0] == RULE
    linked = page.locator("li.alert a.post-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"/ui/posts/{FRESH_ID}" in [unquote(h) for h in linked]
    _shot(page, "alerts")
    target = ids[0]
    page.locator(f"li.alert[data-id='{target}'] input[type=checkbox]").check()
    page.click("#ack-selected")
    page.wait_for_url("**/ui/alerts**")
    assert "acked" in (page.locator(f"li.alert[data-id='{target}']").get_attribute("class") or "")
    es = dozor_es.client(env.settings)
    try:
        doc = AlertStore(es, env.settings).get(target)
    finally:
        es.close()
    assert doc is not None and doc["acked"] is True
    # the filter by rule keeps it; "only not acknowledged" hides it
    page.goto(f"{env.base}/ui/alerts?rule={RULE}&unacked=1")
    assert target not in page.locator("li.alert").evaluate_all("els => els.map(e => e.dataset.id)")


def test_channels_page_shows_coverage(env: Env, page: Page) -> None:
    page.goto(f"{env.base}/ui/channels")
    rows = page.locator("table.channels tbody tr")
    assert rows.count() >= 10
    es = dozor_es.client(env.settings)
    try:
        resp = es.search(
            index=env.settings.index("posts"),
            size=0,
            query={"term": {"channel.username": "guvm_official_example"}},
            aggs={"lo": {"min": {"field": "message_id"}}, "hi": {"max": {"field": "message_id"}}},
        )
    finally:
        es.close()
    n = resp["hits"]["total"]["value"]
    span = int(resp["aggregations"]["hi"]["value"]) - int(resp["aggregations"]["lo"]["value"]) + 1
    row = page.locator("tr[data-channel='guvm_official_example']")
    assert row.locator("td[data-missing]").get_attribute("data-missing") == str(span - n)
    _shot(page, "channels")


# ---- export, escaping ------------------------------------------------------------------------------


def test_export_csv_and_jsonl_read_back(env: Env, page: Page) -> None:
    total, ids, _ = _expected(env, "мигранты", lang=["ru"])
    page.goto(f"{env.base}/ui/search?q={quote('мигранты')}&lang=ru")
    with page.expect_download() as dl:
        page.click("#export-csv")
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total
    assert [r["id"] for r in rows[: len(ids)]] == ids
    assert all(r["lang"] == "ru" for r in rows)
    with page.expect_download() as dl:
        page.click("#export-jsonl")
    lines = [orjson.loads(line) for line in Path(dl.value.path()).read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [r["id"] for r in rows]
    by_id = {x["id"]: x for x in lines}
    assert all(by_id[r["id"]]["text"].startswith(r["text"].lstrip("'")[:20]) for r in rows)


def test_html_in_a_post_renders_as_inert_text(env: Env, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in (f"/ui/search?q={quote('мигранты')}&channel=xss_probe_example", f"/ui/posts/{quote(XSS_ID)}"):
        page.goto(env.base + url)
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.scripts.length") == 0
        assert page.locator("img").count() == 0
        assert page.locator("b", has_text="XSS").count() == 0  # the channel title's <b> stays text
    assert page.locator("#post-text").inner_text() == XSS_TEXT
    page.goto(f"{env.base}/ui/alerts")
    assert page.evaluate("window.__pwned") is None and page.locator("img").count() == 0
    assert dialogs == []

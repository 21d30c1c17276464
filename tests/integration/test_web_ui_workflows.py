"""The monitor web UI, continued: saved searches, the alerts inbox, channel coverage, exports, and HTML in
a post (same loaded world as test_web_ui.py: see web_ui_env.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote, unquote

import orjson
import pytest
from playwright.sync_api import Page
from web_ui_env import FRESH_ID, RULE, XSS_ID, XSS_TEXT, Env, expected, shot

from alerts.state import AlertStore
from dozor import es as dozor_es
from search.saved import SavedSearches, SearchSpec

pytestmark = pytest.mark.integration


def test_save_a_search_and_see_new_since_last_visit(env: Env, page: Page) -> None:
    total, _, _ = expected(env, "патент", lang=["ru"])
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
    rights, _, _ = expected(env, "правозащитники")
    es = dozor_es.client(env.settings)
    try:
        SavedSearches(es, env.settings).create("rights", SearchSpec(query="правозащитники"))
    finally:
        es.close()
    page.reload()
    assert page.locator("li[data-name='rights'] .new").get_attribute("data-new") == str(rights)
    shot(page, "saved-searches")

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
    shot(page, "alerts")
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
    shot(page, "channels")


# ---- export, escaping ------------------------------------------------------------------------------


def test_export_csv_and_jsonl_read_back(env: Env, page: Page) -> None:
    total, ids, _ = expected(env, "мигранты", lang=["ru"])
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

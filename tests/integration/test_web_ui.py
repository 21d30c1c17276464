"""The monitor web UI in Debian's Chromium (driven by Playwright), against the real `dozor api`, Kafka
and Elasticsearch with the sample corpus loaded through the pipeline (import → enrich → index → alert).

Screenshots of every page go to docs/screenshots/. The search page's server-side time (its
Server-Timing header) is collected over the run and printed as p50/p95 at the end.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page
from web_ui_env import CORPUS, TOKEN, XSS_ID, Env, expected, shot, track

from dozor import es as dozor_es
from enrich import topics

pytestmark = pytest.mark.integration


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
    shot(pg, "login")
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


def test_search_with_a_filter_shows_the_expected_posts_and_facet_counts(env: Env, page: Page) -> None:
    total, ids, langs = expected(env, "мигранты", category=["migrant_community"])
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
    shot(page, "search")

    # a facet link narrows the result; the counts follow
    lang, count = max(langs.items(), key=lambda kv: kv[1])
    page.click(f"[data-facet=lang] a[href*='lang={lang}']")
    page.wait_for_url(f"**lang={lang}**")
    assert int(page.get_attribute("#total", "data-total") or -1) == count


def test_search_page_paginates_and_works_on_a_phone(env: Env, browser: Browser, page: Page) -> None:
    total, _, _ = expected(env, "*")
    page.goto(f"{env.base}/ui/search?q=*")
    first = page.locator("li.hit").first.get_attribute("data-id")
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator("li.hit").first.get_attribute("data-id") != first
    assert int(page.get_attribute("#total", "data-total") or -1) == total

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="ru-RU")
    phone.add_cookies([{"name": "dozor_session", "value": TOKEN, "url": env.base, "secure": True, "httpOnly": True}])
    pg = phone.new_page()
    track(env, pg)
    pg.goto(f"{env.base}/ui/search?q=мигранты")
    assert pg.locator("#q").is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    assert pg.locator("form.searchbar button[type=submit]").inner_text() == "Найти"  # Russian labels
    shot(pg, "search-phone")
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
    shot(page, "post")


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
    row = page.locator(f".topic-row[data-topic='{topic}']")
    assert row.locator(".tag.topic").inner_text() == topics.default().label(topic, "en")  # its name, not its id
    terms = row.locator(".term").all_inner_texts()
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

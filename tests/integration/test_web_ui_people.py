"""The monitor web UI as people meet it (same loaded world as test_web_ui.py: see web_ui_env.py): text in
any direction with hidden characters, a phone's width, a quiet console, counts in words, the Russian
interface, and matched terms as the post writes them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from web_ui_env import BIDI_ID, BIDI_TEXT, BIDI_TITLE, CORPUS, RULE, TOKEN, Env, expected, shot, track

from dozor import es as dozor_es
from dozor.records import searchable_text
from search.saved import SavedSearches, SearchSpec

pytestmark = pytest.mark.integration

# x of each character of the first text node under `selector` that holds `needle`, in its order
# in the text: on screen a left-to-right string has them increasing.
X_OF_CHARS = """([selector, needle]) => {
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(needle);
      if (at < 0) continue;
      return [...needle].map((_, k) => {
        const r = document.createRange();
        r.setStart(node, at + k);
        r.setEnd(node, at + k + 1);
        return r.getBoundingClientRect().left;
      });
    }
  }
  return null;
}"""


# The innermost elements that reach past a phone's 390 px (to name the culprit when a page is too wide).
TOO_WIDE = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > 390)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > 390))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."))"""


def reads_left_to_right(page: Page, selector: str, needle: str) -> bool:
    xs = page.evaluate(X_OF_CHARS, [selector, needle])
    assert xs is not None, f"{needle!r} not under {selector}"
    return all(a < b for a, b in itertools.pairwise(xs))


def _context(env: Env, browser: Browser, width: int, locale: str) -> BrowserContext:
    ctx = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=width < 500, locale=locale)
    ctx.add_cookies([{"name": "dozor_session", "value": TOKEN, "url": env.base, "secure": True, "httpOnly": True}])
    return ctx


@pytest.fixture(name="phone")
def phone_fixture(env: Env, browser: Browser) -> Iterator[Page]:
    ctx = _context(env, browser, 390, "ru-RU")
    pg = ctx.new_page()
    track(env, pg)
    yield pg
    ctx.close()


def _with_most_topics(env: Env) -> str:
    """The post with the most topics and matched words: the widest row of topic chips."""
    es = dozor_es.client(env.settings)
    try:
        hits = es.search(index=env.settings.index("posts"), query={"exists": {"field": "topics"}}, size=1000)
    finally:
        es.close()
    best = max(hits["hits"]["hits"], key=lambda h: len(orjson.dumps(h["_source"].get("topic_hits") or {})))
    return str(best["_id"])


# ---- direction and hidden characters ---------------------------------------------------------------


def test_a_right_to_left_override_stays_inside_the_title_or_post_it_is_in(env: Env, page: Page) -> None:
    page.goto(f"{env.base}/ui/posts/{quote(BIDI_ID)}")
    assert reads_left_to_right(page, "article.post h1", "#19")  # the heading after the title
    assert reads_left_to_right(page, "#post-text", "gpj.exe и пишут")  # the post after its RLO
    shot(page, "post-hidden-characters")
    page.goto(f"{env.base}/ui/search?channel=bidi_probe_example")
    assert reads_left_to_right(page, "li.hit .snippet", "gpj.exe")
    page.goto(f"{env.base}/ui/alerts")
    summary = f"li.alert:has(a.post-link[href='/ui/posts/{quote(BIDI_ID)}']) .alert-summary"
    assert reads_left_to_right(page, summary, "@bidi_probe_example")
    assert reads_left_to_right(page, summary, RULE)


def test_hidden_characters_are_marked_and_the_text_stays_as_posted(env: Env, page: Page) -> None:
    page.goto(f"{env.base}/ui/posts/{quote(BIDI_ID)}")
    marks = page.locator("#post-text .hc")
    assert marks.evaluate_all("els => els.map(e => e.dataset.cp)") == ["U+202E", "U+200B"]  # not the emoji's ZWJs
    rlo = marks.first
    assert "RIGHT-TO-LEFT OVERRIDE" in (rlo.get_attribute("title") or "")
    box = rlo.bounding_box()
    assert box is not None and box["width"] > 8  # drawn: its name shows
    assert page.locator("h1 .hc[data-cp='U+202E']").count() == 1  # in the channel title too
    legend = page.locator("#hidden-legend").inner_text()
    assert "U+202E" in legend and "U+200B" in legend
    # the page's text, a copy of it, and the exports are the post as posted
    assert page.locator("#post-text").inner_text() == BIDI_TEXT
    with httpx.Client(base_url=env.base, cookies={"dozor_session": TOKEN}) as http:
        line = http.get("/ui/export.jsonl", params={"q": "*", "channel": "bidi_probe_example"}).text
    exported = orjson.loads(line.splitlines()[0])
    assert exported["text"] == BIDI_TEXT and exported["channel"]["title"] == BIDI_TITLE


# ---- phone width, console ----------------------------------------------------------------------


def test_no_page_scrolls_sideways_on_a_phone(env: Env, phone: Page) -> None:
    long_query = "(мигранты OR мигрантов OR migrants) AND (патент OR патента OR patent) AND NOT реклама"
    long_name = "migrants_and_patents_in_the_moscow_region.weekly_review"  # no place to break a line
    es = dozor_es.client(env.settings)
    saved = SavedSearches(es, env.settings)
    saved.create(long_name, SearchSpec(query=long_query))
    pages = {  # screenshot name -> page (test_web_ui.py takes search-phone)
        "": "/ui/search?q=*",
        "search-hidden-phone": "/ui/search?channel=bidi_probe_example",
        "post-phone": f"/ui/posts/{quote(_with_most_topics(env))}",
        "post-hidden-phone": f"/ui/posts/{quote(BIDI_ID)}",
        "saved-searches-phone": "/ui/searches",
        "alerts-phone": "/ui/alerts",
        "channels-phone": "/ui/channels",
    }
    wide = {}
    try:
        for name, path in pages.items():
            phone.goto(env.base + path)
            # a phone may zoom out to show a page that overflows (innerWidth grows): hold both to 390
            sizes = phone.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
            if max(sizes) > 390:
                wide[path] = [*sizes, *phone.evaluate(TOO_WIDE)]
            if name:
                shot(phone, name)
    finally:
        saved.delete(long_name)  # the other modules' saved-search pages stay as they expect
        es.close()
    assert wide == {}


def test_a_page_load_logs_no_console_error(env: Env, page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in ("/ui/search?q=*", f"/ui/posts/{quote(BIDI_ID)}", "/ui/searches", "/ui/alerts", "/ui/channels"):
        page.goto(env.base + path, wait_until="networkidle")
    assert errors == [] and failed == []
    with httpx.Client(base_url=env.base) as http:  # asked for whatever a page links (a JSON view, a download)
        icon = http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")


# ---- words, languages, codes, counts -----------------------------------------------------------


def test_counts_read_as_words_in_english_and_russian(env: Env, browser: Browser, page: Page) -> None:
    page.goto(f"{env.base}/ui/search?channel=bidi_probe_example")
    assert page.locator("#total").inner_text() == "1 post"
    total, _, _ = expected(env, "*")
    page.goto(f"{env.base}/ui/search?q=*")
    assert page.locator("#total").inner_text() == f"{total:,} posts"
    ctx = _context(env, browser, 1280, "ru-RU")
    pg = ctx.new_page()
    pg.goto(f"{env.base}/ui/search?channel=bidi_probe_example")
    assert pg.locator("#total").inner_text() == "1 пост"
    ctx.close()


def test_the_russian_interface_names_topics_categories_and_alerts_in_russian(env: Env, browser: Browser) -> None:
    ctx = _context(env, browser, 1280, "ru-RU")
    pg = ctx.new_page()
    pg.goto(f"{env.base}/ui/search?q=*")
    named = pg.locator("[data-facet=topic] .v").evaluate_all("els => els.map(e => [e.dataset.value, e.innerText])")
    topics = dict(named)
    assert topics["citizenship"] == "Гражданство" and topics["human_rights"] == "Права человека"
    categories = pg.locator("[data-facet=category] .v").all_inner_texts()
    assert "официальный" in categories and "official" not in categories
    assert pg.locator("select[name=category] option[value=migrant_community]").inner_text() == "сообщество мигрантов"
    shot(pg, "search-ru")
    pg.goto(f"{env.base}/ui/alerts")
    summaries = pg.locator("li.alert .alert-summary").all_inner_texts()
    assert summaries and all(s.startswith(("Новый пост", "Изменённый пост")) for s in summaries), summaries
    pg.goto(f"{env.base}/ui/posts/{quote(BIDI_ID)}")
    assert pg.locator("article.post [data-category]").inner_text() == "Категория: СМИ"
    ctx.close()


def test_country_codes_are_upper_case_iso_everywhere(env: Env, page: Page) -> None:
    page.goto(f"{env.base}/ui/search?q=*")
    codes = page.locator("[data-facet=country] .v").all_inner_texts()
    assert codes and all(c.isupper() and len(c) == 2 for c in codes), codes
    page.click("[data-facet=country] a:has(.v[data-value='TJ'])")
    page.wait_for_url("**country=TJ**")
    assert page.locator("form.searchbar input[name=country]").input_value() == "TJ"
    assert int(page.get_attribute("#total", "data-total") or -1) == expected(env, "*", country=["TJ"])[0]
    page.goto(f"{env.base}/ui/posts/{quote(BIDI_ID)}")  # the record says "tj"
    assert page.locator("article.post .country").inner_text() == "TJ"


def test_the_channels_page_counts_posts_as_search_does(env: Env, page: Page) -> None:
    deleted = [orjson.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    username = next(r["channel"]["username"] for r in deleted if r["event"] == "delete")
    shown, _, _ = expected(env, "*", channel=[username])
    with_deleted, _, _ = expected(env, "*", channel=[username], include_deleted=True)
    assert with_deleted > shown  # the channel has deleted posts
    page.goto(f"{env.base}/ui/channels")
    row = page.locator(f"tr[data-channel='{username}']")
    assert row.locator("td[data-posts]").get_attribute("data-posts") == str(shown)
    assert row.locator("[data-deleted]").get_attribute("data-deleted") == str(with_deleted - shown)
    row.locator("a").first.click()
    page.wait_for_url("**/ui/search?channel=**")
    assert int(page.get_attribute("#total", "data-total") or -1) == shown


# ---- matched terms -----------------------------------------------------------------------------


def test_matched_terms_are_the_words_the_post_contains(env: Env, page: Page) -> None:
    es = dozor_es.client(env.settings)
    try:
        hits = es.search(index=env.settings.index("posts"), query={"exists": {"field": "topics"}}, size=500)
    finally:
        es.close()
    for hit in hits["hits"]["hits"]:  # at the source: every stored word is in the post, no pattern
        text = " ".join(searchable_text(hit["_source"]).split())
        for words in hit["_source"]["topic_hits"].values():
            assert words and all("*" not in w and w in text for w in words), (hit["_id"], words)
    post_id = _with_most_topics(env)
    page.goto(f"{env.base}/ui/posts/{quote(post_id)}")
    text = " ".join(page.locator("#post-text").inner_text().split())
    terms = page.locator(".topic-row .term").all_inner_texts()
    assert terms and all(term in text for term in terms), terms

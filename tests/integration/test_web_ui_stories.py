"""The web UI's stories in Chromium (Playwright), on the sample corpus loaded through the real pipeline
(its cross-posts): "also posted in" on a post page, the story page's timeline with the first post
marked, and the list of stories by spread. Screenshots go to docs/screenshots/."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page
from web_ui_env import Env, shot

from dozor import es as dozor_es
from search.stories import Story, list_stories

pytestmark = pytest.mark.integration


def _widest(env: Env) -> Story:
    es = dozor_es.client(env.settings)
    try:
        found = list_stories(es, env.settings, limit=5)
    finally:
        es.close()
    assert found and found[0]["channels"] >= 3, "the sample corpus has stories cross-posted to three channels"
    return found[0]


def test_post_page_lists_where_else_the_story_was_posted(env: Env, page: Page) -> None:
    story = _widest(env)
    later = [c for c in story["channel_list"] if c["channel"]["id"] != story["first_channel"]["id"]]
    page.goto(f"{env.base}/ui/posts/{quote(story['latest'])}")
    also = page.locator("#also")
    assert also.get_attribute("data-story") == story["story"]
    listed = also.locator("li").evaluate_all("items => items.map(i => i.dataset.id)")
    assert story["first"] in listed and story["latest"] not in listed
    assert len(listed) == story["posts"] - 1
    assert later  # the page lists posts of other channels
    page.click("#story-link")
    page.wait_for_url(f"**/ui/stories/{quote(story['story'], safe='')}")


def test_story_page_shows_the_timeline_with_the_first_post_marked(env: Env, page: Page) -> None:
    story = _widest(env)
    page.goto(f"{env.base}/ui/stories/{quote(story['story'], safe='')}")
    items = page.locator("#timeline li")
    assert items.count() == story["posts"]
    assert items.first.get_attribute("data-id") == story["first"]  # time order: the first post on top
    assert page.locator("#timeline li.first").get_attribute("data-id") == story["first"]
    assert page.locator("#first-seen").count() == 1
    assert page.locator("#story-summary .channels").inner_text() == str(story["channels"])
    times = items.locator("time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
    assert times == sorted(times)
    shot(page, "story")


def test_stories_page_lists_stories_by_spread_and_a_missing_story_is_404(env: Env, page: Page) -> None:
    story = _widest(env)
    page.goto(f"{env.base}/ui/stories?since=")
    rows = page.locator("#stories tr.story-row")
    assert rows.first.get_attribute("data-story") == story["story"]
    spread = [int(c) for c in rows.locator("td.channels").all_inner_texts()]
    assert spread == sorted(spread, reverse=True)
    missing = page.goto(f"{env.base}/ui/stories/tg:1:404")
    assert missing is not None and missing.status == 404

"""Comments in the web UI (Chromium) and the API: a channel post's comments, mapped from Telethon messages,
enriched by the enrich stage and indexed, are listed under it with their count; a comment links back to
its post; a viewer sees who wrote them and the phone numbers in them masked; `kind:` finds them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser
from telethon.tl import types as tl

from dozor import kafka as dk
from dozor.records import Channel
from dozor.settings import DozorSettings
from dozor.stream import run_in_memory
from enrich.pipeline import Enricher
from enrich.stage import make_stage
from ingest.mapping import message_record
from search.settings import SearchSettings
from tests.support.browser import login
from tests.support.fakeclient import group_message, user_entity
from tests.support.stack import drain_index, produce, serve_api_then_drop

pytestmark = pytest.mark.integration

TOKENS = {"viewer": "comments-viewer-token", "analyst": "comments-analyst-token"}
CHANNEL = Channel(id=1_770_000_001, username="news_comments_test", title="Новости", category="media", country="UZ")
GROUP = Channel(id=1_770_000_002, title="Новости — чат", category="media", country="UZ")
OWN_GROUP = Channel(id=1_770_000_003, username="help_group_test", title="Помощь", category="migrant_community")
POST_ID, COPY = f"tg:{CHANNEL.id}:5", 40
T0 = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
ALISHER, DILNOZA = user_entity(501, "Алишер", "Каримов"), user_entity(502, "Дилноза")
PHONE = "+7 916 123-45-67"
PHONE_FORMS = ("916 123", "9161234567")  # as written, as E.164 (not "916" alone: a time or a score may hold it)


def raw_posts() -> list[dict[str, Any]]:
    post = tl.Message(id=5, peer_id=tl.PeerChannel(CHANNEL.id), date=T0, message="Патент подорожает", post=True)
    comments = [
        group_message(GROUP.id, 41, f"Звоните юристу {PHONE}", T0 + timedelta(minutes=3), ALISHER, reply_to=COPY),
        group_message(GROUP.id, 42, "Спасибо, позвонила", T0 + timedelta(minutes=9), DILNOZA, reply_to=41, top=COPY),
        group_message(GROUP.id, 43, "А где платить?", T0 + timedelta(minutes=5), DILNOZA, reply_to=COPY),
    ]
    out = [message_record(post, CHANNEL)]
    out += [message_record(c, GROUP, source_kind="comments", thread=(CHANNEL.id, 5)) for c in comments]
    own = group_message(OWN_GROUP.id, 1, "Кто знает юриста?", T0, ALISHER)
    out.append(message_record(own, OWN_GROUP, source_kind="group"))
    return [p.to_wire() for p in out]


@pytest.fixture(scope="module")
def site(stack: object, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    users = tmp_path_factory.mktemp("comments") / "users.yaml"
    lines = [
        f"  - {{name: {role}1, role: {role}, token_sha256: {hashlib.sha256(token.encode()).hexdigest()}}}"
        for role, token in TOKENS.items()
    ]
    users.write_text("users:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    base = DozorSettings(topic_prefix=f"t{run_id}-cm-", index_prefix=f"dz{run_id}-cm")
    ss = SearchSettings(topic_prefix=base.topic_prefix, index_prefix=base.index_prefix, api_users=Path(users))
    staged = run_in_memory(make_stage(Enricher()), raw_posts())  # the enrich stage passes the fields on
    assert not staged.rejected
    produce(ss, dk.ENRICHED, [json.loads(m.value) for m in staged.outputs])
    drain_index(ss)
    with serve_api_then_drop(ss) as url:
        yield url


def test_comments_under_the_post_and_back_to_it(browser: Browser, site: str) -> None:
    page = login(browser, site, TOKENS["analyst"])
    page.goto(f"{site}/ui/posts/{POST_ID}")
    section = page.locator("#comments")
    assert section.get_attribute("data-count") == "3"
    assert page.inner_text("#comment-count") == "3 comments"
    ids = section.locator("li.comment").evaluate_all("items => items.map(i => i.dataset.id)")
    assert ids == [f"tg:{GROUP.id}:{m}" for m in (41, 43, 42)]  # in the order they were written
    senders = section.locator("li.comment .sender").all_inner_texts()
    assert senders == ["Алишер Каримов", "Дилноза", "Дилноза"]
    assert PHONE in section.inner_text()
    section.locator("li.comment").first.locator("a.open").click()
    page.wait_for_url(f"**/ui/posts/{quote(f'tg:{GROUP.id}:41', safe='')}")
    assert "Алишер Каримов" in page.inner_text("#thread")
    page.click("#thread-link")
    page.wait_for_url(f"**/ui/posts/{quote(POST_ID, safe='')}")
    page.goto(f"{site}/ui/posts/tg:{OWN_GROUP.id}:1")  # a group's own message: no thread, its sender
    assert page.locator("#thread-link").count() == 0 and "Алишер Каримов" in page.inner_text("#thread")
    assert page.locator("#comments").count() == 0


def test_search_marks_comments_and_links_their_post(browser: Browser, site: str) -> None:
    page = login(browser, site, TOKENS["analyst"])
    page.goto(f"{site}/ui/search?q=kind:comments")
    hits = page.locator("li.hit")
    assert hits.count() == 3
    assert hits.locator(".tag.kind").all_inner_texts() == ["comment"] * 3
    hrefs = hits.locator("a.thread").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"/ui/posts/{quote(POST_ID, safe='')}"] * 3
    page.goto(f"{site}/ui/search?q=kind:group")
    assert page.locator("li.hit .tag.kind").all_inner_texts() == ["group"]
    assert page.locator("li.hit a.thread").count() == 0


def test_a_viewer_sees_comments_masked(browser: Browser, site: str) -> None:
    page = login(browser, site, TOKENS["viewer"])
    page.goto(f"{site}/ui/posts/{POST_ID}")
    section = page.locator("#comments")
    assert section.get_attribute("data-count") == "3"
    assert section.locator("li.comment .sender").all_inner_texts() == ["[name]", "[name]", "[name]"]
    assert "[phone]" in section.inner_text()
    html = page.content()
    assert "Каримов" not in html and "Дилноза" not in html
    assert not any(form in html for form in PHONE_FORMS)
    page.goto(f"{site}/ui/posts/tg:{GROUP.id}:41")
    assert "Алишер" not in page.content() and page.locator("#thread-link").count() == 1


def test_the_api_gives_the_comments_and_finds_them_by_kind(site: str) -> None:
    def get(role: str, path: str, **params: str) -> Any:
        resp = httpx.get(f"{site}{path}", params=params, headers={"Authorization": f"Bearer {TOKENS[role]}"})
        assert resp.status_code == 200, resp.text
        return resp.json()

    post = get("analyst", f"/posts/{POST_ID}")
    assert post["comment_count"] == 3
    first = post["comments"][0]
    assert first["thread"] == {"channel_id": CHANNEL.id, "message_id": 5} and first["source_kind"] == "comments"
    assert first["sender"] == {"id": 501, "name": "Алишер Каримов"} and PHONE in first["text"]
    masked = get("viewer", f"/posts/{POST_ID}")
    assert masked["comment_count"] == 3
    assert all(c["sender"] == {"id": None, "name": "[name]"} for c in masked["comments"])
    dumped = json.dumps(masked, ensure_ascii=False)
    assert not any(form in dumped for form in PHONE_FORMS)
    found = get("analyst", "/search", q="kind:comments")
    assert sorted(h["id"] for h in found["hits"]) == sorted(f"tg:{GROUP.id}:{m}" for m in (41, 42, 43))
    assert [h["id"] for h in get("analyst", "/search", q="kind:group")["hits"]] == [f"tg:{OWN_GROUP.id}:1"]
    comment = get("analyst", f"/posts/tg:{GROUP.id}:41")
    assert comment["comment_count"] == 0 and comment["thread"]["message_id"] == 5

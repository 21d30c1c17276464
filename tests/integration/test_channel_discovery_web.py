"""Suggested channels and stories through the real API (uvicorn) on the real node, per role: the web UI
page in Chromium (an analyst adds a channel to the registry for review; a viewer sees no button and is
refused the post), the /channels/suggestions and /stories routes, and the audit entry of every add."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser

from dozor import kafka as dk
from dozor.settings import DozorSettings
from ingest import registry as reg
from surfaces.web.settings import WebSettings
from tests.support.browser import login
from tests.support.stack import drain_index, enriched, produce, serve_api_then_drop

pytestmark = pytest.mark.integration
TOKENS = {"viewer": "v-disc-token-1", "analyst": "a-disc-token-1", "admin": "r-disc-token-1"}
A, B, X = 1793000001, 1793000002, 1799100001
PERSONS = {"person": ["Алишер Каримов"]}
STORY_TEXT = "Алишеру Каримову выдали повестку в миграционном центре"


def _users(tmp_path: Path) -> Path:
    lines = ["users:"]
    for name, role in (("vera", "viewer"), ("anna", "analyst"), ("root", "admin")):
        sha = hashlib.sha256(TOKENS[role].encode()).hexdigest()
        lines.append(f"  - {{name: {name}, role: {role}, teams: [desk], token_sha256: {sha}}}")
    path = tmp_path / "users.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _records() -> list[dict[str, Any]]:
    fwd = {"from_id": X, "from_name": "Origin X", "from_type": "channel", "from_username": "origin_x"}
    return [
        enriched(A, 1, "Пересланное сообщение о патентах", "ru", username="disc_a", forward=fwd, topics=["migration"]),
        enriched(B, 1, "Пересланное сообщение", "ru", username="disc_b", forward=fwd, date="2026-10-19T07:00:00Z"),
        enriched(A, 2, "Смотрите @Mention_Y", "ru", username="disc_a", mentions=["Mention_Y"]),
        enriched(A, 3, STORY_TEXT, "ru", username="disc_a", story="tg:1793000001:3", entities=PERSONS),
        enriched(B, 3, f"‼️ {STORY_TEXT}", "ru", username="disc_b", story="tg:1793000001:3", entities=PERSONS),
    ]


@pytest.fixture()
def world(settings: DozorSettings, tmp_path: Path) -> Iterator[tuple[str, WebSettings]]:
    registry = tmp_path / "channels.yaml"
    registry.write_text(yaml.safe_dump({"channels": [{"channel": "@disc_a"}, {"channel": "@disc_b"}]}), "utf-8")
    ws = WebSettings(
        topic_prefix=settings.topic_prefix,
        index_prefix=settings.index_prefix,
        api_users=_users(tmp_path),
        registry=registry,
        ui_cookie_secure=False,
    )
    produce(ws, dk.ENRICHED, _records())
    drain_index(ws)
    with serve_api_then_drop(ws) as url:
        yield url, ws


def client(url: str, role: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS[role]}"}, timeout=30)


def test_analyst_adds_a_suggestion_for_review_and_a_viewer_may_not(
    world: tuple[str, WebSettings], browser: Browser
) -> None:
    url, ws = world
    page = login(browser, url, TOKENS["analyst"], "/ui/channels")
    page.click("#suggested-link")
    page.wait_for_url("**/ui/channels/suggested")
    assert page.locator("#no-suggestions").count() == 1  # the posts are older than the default 30 days
    page.click("a.tag[data-since='']")  # all time
    page.wait_for_url("**/ui/channels/suggested?since=")
    rows = page.locator("tr.suggestion")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.channel)") == ["@origin_x", "@mention_y"]
    first = rows.first
    assert first.locator("td.watched").inner_text() == "2" and first.locator("td.posts").inner_text() == "2"
    evidence = first.locator("ul.evidence li").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert sorted(evidence) == [f"tg:{A}:1", f"tg:{B}:1"]
    first.locator("button.add-registry").click()
    page.wait_for_url("**/ui/channels/suggested?**added=**")
    assert page.locator("#added").get_attribute("data-channel") == "@origin_x"
    entries = reg.load(ws.registry.with_name("channels.suggested.yaml")).channels
    assert [(e.channel, e.enabled, e.title) for e in entries] == [("@origin_x", False, "Origin X")]
    assert "by anna" in entries[0].notes and "2 watched channels, 2 posts" in entries[0].notes
    assert [e.label for e in reg.load(ws.registry).channels] == ["@disc_a", "@disc_b"]  # the registry is untouched
    page.context.close()

    viewer = login(browser, url, TOKENS["viewer"], "/ui/channels")
    viewer.goto(f"{url}/ui/channels/suggested?since=")
    assert viewer.locator("tr.suggestion").count() == 2
    assert viewer.locator("button.add-registry").count() == 0
    refused = viewer.request.post(
        f"{url}/ui/channels/suggested/add", form={"channel": "@mention_y"}, headers={"Origin": url}
    )
    assert refused.status == 403
    viewer.context.close()
    assert len(reg.load(ws.registry.with_name("channels.suggested.yaml")).channels) == 1

    with client(url, "admin") as admin:
        audit = admin.get("/audit", params={"action": "channels.suggest.add"}).json()
    assert [(e["user"], e["target"], e["results"]) for e in audit] == [("anna", "@origin_x", 2)]


def test_api_routes_for_suggestions_and_stories(world: tuple[str, WebSettings]) -> None:
    url, ws = world
    with client(url, "viewer") as viewer, client(url, "analyst") as analyst:
        found = viewer.get("/channels/suggestions").json()
        assert [s["channel"] for s in found] == ["@origin_x", "@mention_y"]
        assert (found[0]["channel_id"], found[0]["aliases"], found[0]["via"], found[0]["topical_share"]) == (
            X,
            [f"id:{X}"],
            {"forward": 2, "mention": 0, "link": 0},
            0.5,
        )
        assert viewer.get("/channels/suggestions", params={"since": "nonsense"}).status_code == 400
        assert viewer.post("/channels/suggestions", json={"channel": "@mention_y"}).status_code == 403
        assert analyst.post("/channels/suggestions", json={"channel": "@disc_a"}).status_code == 404  # watched
        first = analyst.post("/channels/suggestions", json={"channel": "@Mention_Y"})
        assert first.status_code == 201 and first.json()["added"] is True and first.json()["channel"] == "@mention_y"
        assert analyst.post("/channels/suggestions", json={"channel": "@mention_y"}).json()["added"] is False
        # A suggestion named by its other spelling (X's id, tied to @origin_x by the forwards) is written by name.
        by_id = analyst.post("/channels/suggestions", json={"channel": f"id:{X}"})
        assert by_id.status_code == 201 and (by_id.json()["channel"], by_id.json()["added"]) == ("@origin_x", True)

        stories = viewer.get("/stories").json()
        assert [(s["story"], s["posts"], s["channels"]) for s in stories] == [(f"tg:{A}:3", 2, 2)]
        story = viewer.get(f"/stories/tg:{A}:3").json()
        assert story["story"]["first"] == f"tg:{A}:3" and len(story["posts"]) == 2
        assert all("Каримов" not in p["text"] for p in story["posts"])  # a viewer sees people masked
        full = analyst.get(f"/stories/tg:{A}:3").json()
        assert any("Каримову" in p["text"] for p in full["posts"])
        assert viewer.get("/stories/tg:1:404").status_code == 404
        assert httpx.get(f"{url}/stories", timeout=10).status_code == 401
    suggested = reg.load(ws.registry.with_name("channels.suggested.yaml")).channels
    assert [e.channel for e in suggested] == ["@mention_y", "@origin_x"]

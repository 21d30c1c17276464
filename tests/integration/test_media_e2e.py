"""Media end to end with the `dozor` commands: two Telegram Desktop exports with a photographed notice
(its words only in the image) → import with the files → enrich, ocr, index, evidence run --drain →
the notice fires the alert rule its typed text would, `search --json` hits carry the media, and the post
page shows the image (served from the blob store), its SHA-256 and OCR text, the near-identical repost,
and a bundle that `dozor evidence verify` accepts."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from alerts.receiver import WebhookReceiver
from cli.demo_media import DemoExport, write_exports
from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from tests.support.stack import free_port

pytestmark = pytest.mark.integration

TOKEN = "media-test-token-0123456789"
RULE = "recruitment-notice"


@dataclass
class World:
    vars: dict[str, str]
    workdir: Path
    exports: list[DemoExport]
    hook: WebhookReceiver
    base: str = ""
    before_ocr: int = -1  # alerts received before OCR ran

    def dozor(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        exe = shutil.which("dozor", path=str(Path(sys.executable).parent)) or "dozor"
        done = subprocess.run(
            [exe, *args], env=self.vars, capture_output=True, text=True, timeout=300, cwd=self.workdir
        )
        assert not check or done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"
        return done

    def notice(self) -> dict[str, Any]:
        out = self.dozor("search", "ocr:Сахарово", "--json", "--channel", "notices_board_example").stdout
        hits: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines()]
        assert len(hits) == 1, out
        return hits[0]


@pytest.fixture(scope="module")
def world(stack: LocalStack, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = DozorSettings(topic_prefix=f"t{run_id}-media-", index_prefix=f"dz{run_id}-media")
    workdir = tmp_path_factory.mktemp("media")
    env = {
        **os.environ,
        "DOZOR_TOPIC_PREFIX": settings.topic_prefix,
        "DOZOR_INDEX_PREFIX": settings.index_prefix,
        "DOZOR_MEDIA_URL": (workdir / "blobs").as_uri(),
        "DOZOR_API_TOKENS": TOKEN,
    }
    with WebhookReceiver() as hook:
        w = World(env, workdir, write_exports(workdir / "exports"), hook)
        if w.dozor("ocr", "--help", check=False).returncode != 0:
            pytest.skip("`dozor ocr` is not part of this build yet (the OCR stage's branch)")
        rules = workdir / "rules.yaml"
        rules.write_text(
            f"rules:\n  - name: {RULE}\n    query: 'Сахарово AND контракт'\n"
            f'    notify:\n      - webhook: {{url: "{hook.url}"}}\n',
            encoding="utf-8",
        )
        w.dozor("alert", "--rules", str(rules), "--drain")  # the rule is first seen before the posts
        for export in w.exports:
            w.dozor("import", str(export.path), "--channel", export.channel)
        # The posts are indexed (and alerts evaluated) before OCR ran: their text has no rule's words.
        for step in (["enrich", "--drain"], ["index", "--drain"], ["alert", "--rules", str(rules), "--drain"]):
            w.dozor(*step)
        w.before_ocr = len(hook.received)
        # OCR updates the posts (indexed_at moves on): the alerter evaluates them again.
        for step in (["ocr", "--drain"], ["index", "--drain"], ["evidence", "run", "--drain"]):
            w.dozor(*step)
        w.dozor("alert", "--rules", str(rules), "--drain")
        w.vars["RULES"] = str(rules)
        yield from _serving(w)


def _serving(w: World) -> Iterator[World]:
    port = free_port()
    exe = shutil.which("dozor", path=str(Path(sys.executable).parent)) or "dozor"
    log = (w.workdir / "api.log").open("w")
    api = subprocess.Popen([exe, "api", "--port", str(port)], env=w.vars, stdout=log, stderr=subprocess.STDOUT)
    w.base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{w.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert api.poll() is None and time.monotonic() < deadline, (w.workdir / "api.log").read_text()
            time.sleep(0.3)
        yield w
    finally:
        api.terminate()
        api.wait(timeout=20)
        log.close()


def test_the_photographed_notice_fires_the_rule_its_text_would_once(world: World) -> None:
    assert world.before_ocr == 0
    notice = world.notice()
    fired = [r.body for r in world.hook.received if r.body.get("rule") == RULE]
    # the notice, and its repost (the same words in a near-identical image), each once
    assert sorted(body["post"]["id"] for body in fired) == ["tg:1790000901:1", "tg:1790000902:1"]
    [sent] = [body["post"] for body in fired if body["post"]["id"] == notice["id"]]
    assert "Сахарово" in sent["media"][0]["ocr_text"]
    world.dozor("alert", "--rules", world.vars["RULES"], "--drain")
    assert len([r for r in world.hook.received if r.body.get("rule") == RULE]) == 2  # deduped per rule and post


def test_search_json_hits_carry_the_media(world: World) -> None:
    notice = world.notice()
    [item] = notice["media"]
    assert item["type"] == "photo" and item["status"] == "stored"
    assert item["sha256"] == hashlib.sha256(world.exports[0].image).hexdigest()
    assert "Сахарово" in item["ocr_text"] and notice["text"] == ""
    assert len(item["phash"]) == 16
    near = world.dozor("search", "*", "--phash", item["phash"], "--json").stdout.splitlines()
    assert len(near) == 2  # the notice and its re-compressed repost


def test_the_post_page_shows_the_image_its_hash_and_text_and_the_bundle_verifies(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    notice = world.notice()
    sha = notice["media"][0]["sha256"]
    assert httpx.get(f"{world.base}/media/{sha}").status_code == 401  # not without a token
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{world.base}/media/{'0' * 64}", headers=headers).status_code == 404  # no post refers to it
    served = httpx.get(f"{world.base}/media/{sha}", headers=headers)
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == sha
    assert served.headers["content-type"] == "image/jpeg" and served.headers["x-content-type-options"] == "nosniff"

    ctx = browser.new_context(accept_downloads=True, locale="en-US")
    page = ctx.new_page()
    try:
        page.goto(f"{world.base}/ui/posts/{notice['id']}")
        page.fill("#token", TOKEN)
        page.click("form[action='/ui/login'] button[type=submit]")
        page.wait_for_url(f"**/ui/posts/{notice['id']}")
        image = page.locator(f"#media figure[data-sha256='{sha}'] img")
        image.wait_for()
        # The image loads lazily: only once it is in view (the page grew above it), then wait for its load.
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.complete ? null : new Promise(done => { img.onload = img.onerror = done; })")
        assert image.evaluate("img => img.complete && img.naturalWidth") > 0
        assert page.locator("#media code.sha256").inner_text() == sha
        assert "Сахарово" in page.locator("#media pre.ocr-text").inner_text()
        similar = page.locator("#similar tbody tr")
        assert similar.count() == 1 and "Repost digest" in similar.inner_text()
        with page.expect_download() as download:
            page.click("#evidence-bundle")
        bundle = tmp_path / "bundle.zip"
        download.value.save_as(bundle)
    finally:
        ctx.close()
    verified = world.dozor("evidence", "verify", str(bundle))
    assert "intact" in verified.stdout
    assert world.dozor("evidence", "verify", str(bundle), check=False).returncode == 0

"""The desk in Chromium, one login per role (the login form, as a person would): a viewer sees masked
posts and no export, and a typed-in export URL is refused; an analyst tags a post and builds a case;
an admin sees both of their acts in the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.browser import login
from tests.support.stack import drain_index, enriched, produce, serve_api_then_drop

pytestmark = pytest.mark.integration
TOKENS = {"viewer": "browser-viewer-token", "analyst": "browser-analyst-token", "admin": "browser-admin-token"}
NAMES = {"viewer": "vera", "analyst": "anna", "admin": "root"}
TEXT = "Алишеру Каримову выдали повестку, звоните +7 916 123-45-67"


@pytest.fixture(scope="module")
def site(stack: object, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    users = tmp_path_factory.mktemp("desk") / "users.yaml"
    digests = {role: hashlib.sha256(token.encode()).hexdigest() for role, token in TOKENS.items()}
    lines = [f"  - {{name: {NAMES[r]}, role: {r}, teams: [desk], token_sha256: {d}}}" for r, d in digests.items()]
    users.write_text("users:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    base = DozorSettings(topic_prefix=f"t{run_id}-br-", index_prefix=f"dz{run_id}-br")
    ss = SearchSettings(topic_prefix=base.topic_prefix, index_prefix=base.index_prefix, api_users=Path(users))
    entities = {"phone": ["+79161234567"], "person": ["Алишер Каримов"]}
    produce(ss, dk.ENRICHED, [enriched(51, 1, TEXT, "ru", username="community", entities=entities)])
    drain_index(ss)
    with serve_api_then_drop(ss) as url:
        yield url


def test_each_role_in_the_browser(browser: Browser, site: str) -> None:
    viewer = login(browser, site, TOKENS["viewer"])
    viewer.goto(f"{site}/ui/search?q=повестка")
    assert "[name] [name]" in viewer.inner_text("main") and "Каримов" not in viewer.content()
    assert viewer.locator("#export-csv").count() == 0 and viewer.locator("form.save").count() == 0
    refused = viewer.goto(f"{site}/ui/export.csv?q=*")
    assert refused is not None and refused.status == 403
    viewer.goto(f"{site}/ui/posts/tg:51:1")
    assert viewer.locator("#redacted-note").is_visible() and viewer.locator("#add-tag").count() == 0
    assert viewer.locator("#nav-audit").count() == 0

    analyst = login(browser, site, TOKENS["analyst"])
    analyst.goto(f"{site}/ui/cases")
    analyst.fill("#new-case input[name=name]", "summons")
    analyst.click("#new-case button[type=submit]")
    analyst.wait_for_url("**/ui/cases/summons")
    analyst.goto(f"{site}/ui/posts/tg:51:1")
    assert "Алишеру Каримову" in analyst.inner_text("#post-text")
    analyst.fill("#add-tag input[name=tag]", "call-up")
    analyst.click("#add-tag button[type=submit]")
    analyst.wait_for_selector("li[data-tag='call-up']")
    analyst.click("#add-to-case button[type=submit]")
    analyst.wait_for_selector("#in-cases a[href='/ui/cases/summons']")
    analyst.goto(f"{site}/ui/cases/summons")
    assert analyst.locator("li.case-post[data-id='tg:51:1']").is_visible()

    admin = login(browser, site, TOKENS["admin"])
    admin.click("#nav-audit")
    admin.wait_for_url("**/ui/audit")
    rows = admin.locator("tr.audit-entry")
    acts = {
        (rows.nth(i).get_attribute("data-user"), rows.nth(i).get_attribute("data-action")) for i in range(rows.count())
    }
    assert {("vera", "search"), ("vera", "post.view"), ("anna", "case.create"), ("anna", "annotation.tag")} <= acts
    assert ("anna", "case.add") in acts and ("vera", "export") not in acts  # the refused export did not run

"""The users page, the tag facet and case members in Chromium: an admin adds a user on /ui/users and the
token shown there (once) signs in with the role given; an analyst gets 403 on the users page and its
forms; a tag put on a post becomes a facet of the search page that filters the results; an analyst of the
case's team adds and removes a member on the case page, and the admin finds both acts in the audit log."""

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
TOKENS = {"analyst": "adm-browser-analyst", "admin": "adm-browser-admin"}
NAMES = {"analyst": "anna", "admin": "root"}


@pytest.fixture(scope="module")
def site(stack: object, run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    users = tmp_path_factory.mktemp("desk-admin") / "users.yaml"
    lines = [
        f"  - {{name: {NAMES[r]}, role: {r}, teams: [desk], token_sha256: {hashlib.sha256(t.encode()).hexdigest()}}}"
        for r, t in TOKENS.items()
    ]
    users.write_text("users:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    base = DozorSettings(topic_prefix=f"t{run_id}-adm-", index_prefix=f"dz{run_id}-adm")
    ss = SearchSettings(topic_prefix=base.topic_prefix, index_prefix=base.index_prefix, api_users=Path(users))
    produce(
        ss,
        dk.ENRICHED,
        [
            enriched(61, 1, "Облава на рынке Садовод", "ru", username="community"),
            enriched(61, 2, "Новые правила патентов", "ru", username="community"),
        ],
    )
    drain_index(ss)
    with serve_api_then_drop(ss) as url:
        yield url, users


def test_an_admin_adds_a_user_who_signs_in_with_its_role(browser: Browser, site: tuple[str, Path]) -> None:
    url, users = site
    admin = login(browser, url, TOKENS["admin"])
    admin.click("#nav-users")
    admin.wait_for_url("**/ui/users")
    assert admin.locator("tr.user-row").count() == 2
    admin.fill("#add-user input[name=name]", "vika")
    admin.select_option("#add-user select[name=role]", "viewer")
    admin.fill("#add-user input[name=teams]", "desk")
    admin.click("#add-user button[type=submit]")
    token = admin.inner_text("#new-token-value").strip()
    assert len(token) >= 32 and token not in users.read_text(encoding="utf-8")
    assert admin.locator("tr.user-row[data-user='vika'][data-role='viewer']").is_visible()
    admin.reload()  # the token is shown once: not on the next visit
    assert admin.locator("#new-token").count() == 0

    vika = login(browser, url, token)
    vika.goto(f"{url}/ui/search?q=облава")
    assert vika.locator("#export-csv").count() == 0 and vika.locator("#nav-users").count() == 0  # a viewer
    refused = vika.goto(f"{url}/ui/export.csv?q=*")
    assert refused is not None and refused.status == 403

    admin.goto(f"{url}/ui/users")  # promoted, then disabled: the change holds at the next request
    admin.locator("tr.user-row[data-user='vika'] select[name=role]").select_option("analyst")
    admin.click("tr.user-row[data-user='vika'] form.change-user button[type=submit]")
    admin.wait_for_selector("tr.user-row[data-user='vika'][data-role='analyst']")
    vika.goto(f"{url}/ui/search?q=облава")
    assert vika.locator("#export-csv").is_visible()
    admin.click("tr.user-row[data-user='vika'] button.switch-user")
    admin.wait_for_selector("tr.user-row[data-user='vika'][data-disabled='1']")
    vika.goto(f"{url}/ui/search")
    assert "/ui/login" in vika.url

    admin.goto(f"{url}/ui/audit?action=users.change")
    rows = admin.locator("tr.audit-entry[data-user='root'][data-action='users.change']")
    assert rows.count() >= 3


def test_an_analyst_is_refused_the_users_page(browser: Browser, site: tuple[str, Path]) -> None:
    url, users = site
    before = users.read_text(encoding="utf-8")
    analyst = login(browser, url, TOKENS["analyst"])
    assert analyst.locator("#nav-users").count() == 0
    refused = analyst.goto(f"{url}/ui/users")
    assert refused is not None and refused.status == 403
    status = analyst.evaluate(
        """async () => (await fetch('/ui/users', {method: 'POST', body: new URLSearchParams(
               {name: 'eve', role: 'admin', teams: ''})})).status"""
    )
    assert status == 403 and users.read_text(encoding="utf-8") == before


def test_tags_are_a_facet_and_case_members_are_managed(browser: Browser, site: tuple[str, Path]) -> None:
    url, _ = site
    analyst = login(browser, url, TOKENS["analyst"])
    analyst.goto(f"{url}/ui/posts/tg:61:1")
    analyst.fill("#add-tag input[name=tag]", "raid")
    analyst.click("#add-tag button[type=submit]")
    analyst.wait_for_selector("li[data-tag='raid']")
    analyst.goto(f"{url}/ui/search")
    assert analyst.get_attribute("#total", "data-total") == "2"
    facet = analyst.locator("section.facet[data-facet='tag'] a:has(bdi[data-value='raid'])")
    assert facet.locator("span.n").get_attribute("data-count") == "1"
    facet.click()
    analyst.wait_for_url("**tag=raid**")
    assert analyst.get_attribute("#total", "data-total") == "1"
    assert [analyst.locator("li.hit").nth(0).get_attribute("data-id")] == ["tg:61:1"]
    assert analyst.input_value(".filters input[name=tag]") == "raid"

    analyst.goto(f"{url}/ui/cases")
    analyst.fill("#new-case input[name=name]", "market-raids")
    analyst.click("#new-case button[type=submit]")
    analyst.wait_for_url("**/ui/cases/market-raids")
    assert analyst.locator("li.case-member[data-member='anna']").is_visible()
    analyst.fill("#add-member input[name=member]", "nobody")
    analyst.click("#add-member button[type=submit]")
    assert "no user named" in analyst.inner_text("p.error")
    analyst.fill("#add-member input[name=member]", "root")
    analyst.click("#add-member button[type=submit]")
    analyst.wait_for_selector("li.case-member[data-member='root']")
    analyst.click("li.case-member[data-member='root'] button[type=submit]")
    analyst.wait_for_selector("li.case-member[data-member='root']", state="detached")

    admin = login(browser, url, TOKENS["admin"])
    admin.goto(f"{url}/ui/audit?action=case.member")
    assert admin.locator("tr.audit-entry[data-user='anna'][data-action='case.member']").count() == 2

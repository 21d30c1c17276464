"""The browser tests' way in: a fresh Chromium context (English, desktop size) logged in with a token."""

from __future__ import annotations

from playwright.sync_api import Browser, Page


def login(browser: Browser, site: str, token: str, landing: str = "/ui/search") -> Page:
    """A page logged in on ``site`` with ``token``, left on ``landing`` (the login form is on every page)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    page.goto(f"{site}{landing}")
    page.fill("#token", token)
    page.click("form[action='/ui/login'] button[type=submit]")
    page.wait_for_url(f"**{landing}**")
    return page

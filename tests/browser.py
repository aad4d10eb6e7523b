"""Launching Debian's Chromium through Playwright (a missing Chromium fails, never skips), and
what the browser tests do alike: log in, screenshots, pages at a width."""

import os
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/cdd-screens"))


@contextmanager
def chromium():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def login(page, base_url, username, password):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    # Most users land on the home page; the Department viewer on the national ranking.
    page.wait_for_url(lambda url: url.startswith(base_url) and "/login/" not in url)


@contextmanager
def logged_in(base_url, username, width=1280, height=900, kind="desktop"):
    """A page of a fresh Chromium at that size (``kind`` "phone": a mobile one), logged in as
    ``username`` (the test password); closed at the end of the block."""
    from conftest import PASSWORD

    with chromium() as browser:
        page = sized_page(browser, width, height, kind)
        login(page, base_url, username, PASSWORD)
        yield page
        page.close()


def shot(page, name, directory: Path | None = None):
    """A full-page screenshot ``name``.png in ``directory`` (SCREENSHOT_DIR by default)."""
    directory = directory or SCREENS
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def fits(page, width) -> bool:
    """Nothing on the page is wider than ``width`` (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


def sized_page(browser, width, height, kind="desktop"):
    """A new page with that viewport; ``kind`` "phone" is a mobile one."""
    return browser.new_page(viewport={"width": width, "height": height}, is_mobile=kind == "phone")


def tour_tabbed_pages(page, base_url, pages, width, shot_name, directory: Path | None = None):
    """Open each (name, path) of ``pages``: exactly one active tab, a screenshot named
    ``shot_name(name)``, nothing wider than ``width``."""
    for name, path in pages:
        page.goto(f"{base_url}{path}")
        assert page.locator("nav.tabs a.active").count() == 1, name
        shot(page, shot_name(name), directory)
        assert fits(page, width), name

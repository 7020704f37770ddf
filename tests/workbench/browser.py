"""Headless Debian Chromium for the workbench's browser tests, and screenshots of each page."""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("LIMS_REQUIRE_BROWSER"),
    reason="no chromium on this machine (CI installs it and requires this test)",
)


@contextmanager
def chromium_page():
    """A page of a fresh headless Chromium, 1280 by 900; no ORM inside the block, since
    Playwright's sync API runs an event loop in this thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


class Camera:
    """Numbered full-page screenshots into tests/artifacts/ (ignored by git)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0
        ARTIFACTS.mkdir(exist_ok=True)

    def shoot(self, page, name: str) -> None:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(
            path=ARTIFACTS / f"{self.prefix}-{self.count:02d}-{slug}.png", full_page=True
        )


def settled(page) -> None:
    """Wait until htmx has no request in flight and no swap settling: a station takes the focus
    back to its scan field when an answer settles, so keys pressed before that may go astray."""
    from playwright.sync_api import expect

    # A locator, not wait_for_function: the pages' CSP refuses the eval that one polls with.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

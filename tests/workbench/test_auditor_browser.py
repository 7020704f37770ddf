"""The auditor in a real browser, by keyboard alone: open a tube by typing its ID in the header
search, read the trail, export the custody report; and screenshots of the auditor's pages and
the dashboard into the ignored tests/artifacts/ folder.

Chromium comes from the system; without it the tests are skipped unless LIMS_REQUIRE_BROWSER is
set, as CI sets it.
"""

import os
import shutil
from pathlib import Path

import pypdfium2
import pytest

from specimens import services
from tests.helpers import PASSWORD
from tests.workbench.test_tube_page import pdf_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("LIMS_REQUIRE_BROWSER"),
        reason="no chromium on this machine (CI installs it and requires this test)",
    ),
]


def _signed_in(playwright, live_server, user):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return browser, page


def test_an_auditor_opens_a_tube_by_its_id_reads_the_trail_and_exports_the_pdf(
    tube_catalog, live_server, auditor, phleb_north, finalized
):
    from playwright.sync_api import sync_playwright

    tube = finalized("1SST8")[0]
    services.specimen_hold(actor=phleb_north, specimen=tube, reason="label smudged")
    ARTIFACTS.mkdir(exist_ok=True)

    # No ORM inside: Playwright's sync API runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server, auditor)
        page.focus("input[name=q]")
        page.keyboard.type(tube.barcode.lower())
        with page.expect_navigation():
            page.keyboard.press("Enter")
        url = page.url
        trail = page.inner_text("ol.timeline")
        verdict = page.inner_text(".verification")
        page.screenshot(path=ARTIFACTS / "auditor-tube.png", full_page=True)
        # The report link is reached by Tab from the page's start, as a keyboard user does.
        page.focus("a.button[href$='custody.pdf']")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        report = Path(download.value.path()).read_bytes()
        browser.close()

    # The report's first page, for a person to look at beside the screenshots.
    pypdfium2.PdfDocument(report)[0].render(scale=1.5).to_pil().save(
        ARTIFACTS / "auditor-custody-report.png"
    )
    assert url == f"{live_server.url}/tubes/{tube.barcode}"
    assert "1. Labeled" in trail and "4. Put on hold" in trail and "why: label smudged" in trail
    assert "Custody chain intact: 4 events" in verdict
    text = pdf_text(report)
    assert f"Tube {tube.barcode}" in text
    assert "Put on hold" in text and "reason=label smudged" in text
    assert "Custody chain intact: 4 events" in text


def test_screenshots_of_the_feed_the_verify_page_and_the_dashboard(
    tube_catalog, live_server, auditor, finalized, in_transit
):
    from playwright.sync_api import sync_playwright

    from specimens import verification

    in_transit(finalized("1SST8", "1ED10"))
    finalized("1UR10")
    verification.run_request(actor=auditor)
    verification.work()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server, auditor)
        shown = {}
        for name, path in (
            ("auditor-feed", "/audit/events"),
            ("auditor-feed-bad-filter", "/audit/events?since=2026-13-45"),
            ("auditor-verify", "/audit/chains"),
            ("dashboard", "/dashboard"),
        ):
            page.goto(f"{live_server.url}{path}")
            shown[name] = page.inner_text("main")
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        page.goto(f"{live_server.url}/audit/chains")
        page.click("table a[href^='/audit/chains/']")
        shown["run"] = page.inner_text("main")
        page.screenshot(path=ARTIFACTS / "auditor-verify-run.png", full_page=True)
        browser.close()
    assert "Custody feed" in shown["auditor-feed"]
    assert "Enter a valid date." in shown["auditor-feed-bad-filter"]
    assert "Every chain intact: 3 tubes" in shown["run"]
    assert "Shipments in transit and tubes overdue" in shown["dashboard"]

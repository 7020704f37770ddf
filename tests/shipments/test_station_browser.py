"""A keyboard-wedge scanner in a real browser: keystrokes and Enter into the receiving station.

Chromium comes from the system (`.ci/run` installs it); on a machine without it the test is
skipped unless LIMS_REQUIRE_BROWSER is set, as CI sets it, so CI can never skip it silently.
"""

import os
import shutil

import pytest

from shipments import receipt
from specimens.models import CustodyEvent, Specimen
from tests.helpers import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("LIMS_REQUIRE_BROWSER"),
        reason="no chromium on this machine (CI installs it and requires this test)",
    ),
]


def test_scans_typed_by_a_wedge_scanner_are_received(
    tube_catalog, live_server, tech, in_transit, finalized
):
    from playwright.sync_api import sync_playwright

    expected, broken, stray = finalized("1ED10", "1ED04", "2ED10")
    shipment = in_transit([expected, broken])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    station = f"{live_server.url}/stations/shipments/{shipment.code}/receive"

    # No ORM inside: Playwright's sync API runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(
            f"{live_server.url}/accounts/login/?next=/stations/shipments/{shipment.code}/receive"
        )
        page.fill("input[name=username]", tech.username)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(station)
        answers = []

        def scan(text):
            # A wedge scanner types into whatever has focus and ends with Enter; the person
            # scans once the page is ready, with the scan field focused (again, after each
            # answer: the page swaps its answer in and gives the field the focus back).
            page.wait_for_selector("input[name=scan]:focus")
            page.keyboard.type(text)
            page.keyboard.press("Enter")

        for barcode in (expected.barcode, "CMD-DAMAGED", broken.barcode, stray.barcode):
            scan(barcode)
            if barcode.startswith("CMD-"):
                # A printed command barcode changes how the next tube is taken, and says so.
                page.wait_for_selector("[data-shows=damaged]:visible")
                continue
            answers.append(
                page.wait_for_selector(f"#answers .answer:has-text('{barcode}')").inner_text()
            )
        counts = page.inner_text("#counts")
        browser.close()

    assert [answer.lstrip("✔⚠✖ ") for answer in answers] == [
        f"{expected.barcode} received.",
        f"{broken.barcode} received damaged: on hold, set it aside for review.",
        f"{stray.barcode} is not on the manifest of {shipment.code}: recorded, set it aside.",
    ]
    assert "damaged 1" in counts and "unexpected 1" in counts
    assert Specimen.objects.get(pk=expected.pk).status == "received"
    assert CustodyEvent.objects.filter(specimen=expected, kind="received", actor=tech).count() == 1

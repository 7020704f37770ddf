"""A technician's day by keyboard in a real browser: receive a shipment by scanning, store the
tube by scanning tube, box and position, open the box map and click the slot, then check the
tube out and back by scanning.

Chromium comes from the system; without it the test is skipped unless LIMS_REQUIRE_BROWSER is
set, as CI sets it.
"""

import os
import shutil
from pathlib import Path

import pytest

from freezers.models import Placement
from shipments import receipt
from specimens.models import CustodyEvent, Specimen
from tests.helpers import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# The technician's pages, shot at the end of the journey (the ignored tests/artifacts/).
SHOTS = {
    "storage-freezers": "/storage/",
    "storage-freezer": "/storage/freezers/FRZ-4-A",
    "storage-checkout": "/storage/retrieve",
    "bench-accession": "/bench/accession",
    "bench-aliquot": "/bench/aliquot",
    "bench-disposal": "/bench/disposal",
}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("LIMS_REQUIRE_BROWSER"),
        reason="no chromium on this machine (CI installs it and requires this test)",
    ),
]


def test_receive_store_find_retrieve_and_return_by_keyboard(
    tube_catalog, live_server, tech, in_transit, finalized, make_freezer, make_box
):
    from playwright.sync_api import expect, sync_playwright

    (tube,) = finalized("1ED10")
    shipment = in_transit([tube])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    fridge = make_freezer(
        code="FRZ-4-A", temperature_class="refrigerated", set_point="4", kind="fridge_4"
    )
    box = make_box(fridge)
    where = f"FRZ-4-A › R1 › {box.code} › B2"

    # No ORM inside: Playwright's sync API runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/stations/")
        page.fill("input[name=username]", tech.username)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"{live_server.url}/stations/")
        answers = page.locator("#answers")

        def scan(text: str, answer: str) -> None:
            page.wait_for_selector("input[name=scan]:focus")
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            expect(answers).to_contain_text(answer)

        page.goto(f"{live_server.url}/stations/shipments/{shipment.code}/receive")
        scan(tube.barcode, f"{tube.barcode} received.")

        page.get_by_role("link", name="Store", exact=True).click()
        scan(tube.barcode, f"{tube.barcode} scanned; now scan the box label.")
        scan(box.code, f"{tube.barcode} into {box.code}: scan or click a free position.")
        scan("B2", f"{tube.barcode} stored at {where}.")
        stored_answer = answers.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "storage-store.png", full_page=True)

        # Into the header search (the scan field keeps the keyboard, so one click), the box
        # label opens the box's map.
        page.click("#q")
        page.keyboard.type(box.code)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.click("td.slot a[href*='slot=B2']")
        slot = page.locator("#slot")
        expect(slot).to_contain_text(f"B2: {tube.barcode}")
        expect(slot).to_contain_text("Stored")
        expect(slot).to_contain_text("freeze-thaw cycles 0")
        page.screenshot(path=ARTIFACTS / "storage-box.png", full_page=True)

        page.get_by_role("link", name="Retrieve / return").click()
        page.wait_for_selector("input[name=scan]:focus")
        page.keyboard.press("Tab")
        page.keyboard.type("assay run 42")
        page.keyboard.press("Shift+Tab")
        scan(tube.barcode, f"{tube.barcode} checked out from {where}")
        expect(page.locator("table.checked-out")).to_contain_text(tube.barcode)
        scan(tube.barcode, f"{tube.barcode} returned to {where}; freeze-thaw cycles now 1.")
        expect(page.locator("table.checked-out")).to_contain_text("No tube is checked out.")
        for name, path in SHOTS.items():
            page.goto(f"{live_server.url}{path}")
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        browser.close()

    assert stored_answer.endswith(f"{tube.barcode} stored at {where}.")
    assert Specimen.objects.get(pk=tube.pk).status == "stored"
    placement = Placement.objects.get(specimen=tube)
    assert (placement.box_id, placement.row, placement.column) == (box.pk, 2, 2)
    assert placement.freeze_thaw_count == 1 and placement.checked_out_at is None
    trail = CustodyEvent.objects.filter(specimen=tube).order_by("seq")
    assert list(trail.values_list("kind", flat=True))[-4:] == [
        "received",
        "stored",
        "retrieved",
        "returned",
    ]
    assert set(
        trail.filter(seq__gt=trail.get(kind="received").seq).values_list("actor", flat=True)
    ) == {tech.pk}

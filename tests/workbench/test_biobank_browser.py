"""The biobank technician's remaining pages in headless Chromium, by keyboard: close a receipt
after reading the tubes it will mark missing, verify and apply a rack scan, enter a freezer
temperature; each page is shot into the ignored tests/artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from freezers.models import Placement, TemperatureReading
from freezers.services import place_specimen, record_readings
from shipments import receipt
from specimens.models import Specimen
from tests.freezers.test_rack_scan import scan_file
from tests.helpers import PASSWORD
from tests.workbench.browser import Camera, chromium_page, needs_chromium, settled

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def _sign_in(page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/?next=/stations/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/stations/")


def test_close_a_receipt_after_confirming_the_missing_tubes(
    tube_catalog, live_server, tech, in_transit, finalized
):
    from playwright.sync_api import expect

    kept, lost = finalized("1ED10", "1SST8")
    shipment = in_transit([kept, lost])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    camera = Camera("biobank-close")
    with chromium_page() as page:
        _sign_in(page, live_server.url, tech)
        page.goto(f"{live_server.url}/stations/shipments/{shipment.code}/receive")
        page.wait_for_selector("input[name=scan]:focus")
        page.keyboard.type(kept.barcode)
        page.keyboard.press("Enter")
        expect(page.locator("#answers")).to_contain_text(f"{kept.barcode} received.")
        settled(page)
        page.keyboard.press("Alt+c")
        expect(page.locator(":focus")).to_have_text("Close the receipt…")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("table.missing")).to_contain_text(lost.barcode)
        expect(page.locator("table.missing")).not_to_contain_text(kept.barcode)
        expect(page.locator("[role=alert]")).to_contain_text("closing marks it missing")
        camera.shoot(page, "confirm")
        expect(page.locator(":focus")).to_have_text("Close the receipt: mark 1 missing")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#answers")).to_contain_text(
            f"Receipt of {shipment.code} closed: 1 not received, marked missing."
        )
        camera.shoot(page, "closed")
    assert Specimen.objects.get(pk=lost.pk).status == "missing"
    assert Specimen.objects.get(pk=kept.pk).status == "received"


def test_rack_scan_and_temperatures_by_keyboard(
    tube_catalog, live_server, tech, box, aliquots, tmp_path
):
    from playwright.sync_api import expect

    moved, loose = aliquots(2)
    place_specimen(actor=tech, specimen=moved, box=box, position="A1")
    scanned = tmp_path / "rack.csv"
    scanned.write_text(scan_file(box, {"B2": moved.barcode, "C3": loose.barcode}))
    freezer = box.rack.freezer
    start = timezone.now().replace(microsecond=0) - timedelta(days=2)
    record_readings(
        actor=tech,
        freezer=freezer,
        readings=[
            (start + timedelta(hours=n), -80 + (9 if n in (20, 21) else n % 3)) for n in range(40)
        ],
    )
    camera = Camera("biobank-storage")
    with chromium_page() as page:
        _sign_in(page, live_server.url, tech)
        page.goto(f"{live_server.url}/storage/boxes/{box.code}")
        camera.shoot(page, "box with label form")
        page.get_by_role("link", name="Rack scan import").click()
        expect(page.locator("#file")).to_be_focused()
        page.set_input_files("#file", str(scanned))
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#answers")).to_contain_text(
            f"Scan of {box.code} verified: 0 match, 2 to place, 1 missing."
        )
        expect(page.locator("td.diff-moved")).to_have_count(2)
        camera.shoot(page, "rack scan verified")
        page.fill("#reason", "rack audit")
        with page.expect_navigation():
            page.press("#reason", "Enter")
        expect(page.locator("#answers")).to_contain_text(
            f"Rack scan of {box.code} applied: 2 tube(s) placed."
        )
        camera.shoot(page, "rack scan applied")

        page.goto(f"{live_server.url}/storage/freezers/{freezer.code}")
        page.get_by_role("link", name="Temperatures").click()
        expect(page.locator("#id_temperature_c")).to_be_focused()
        page.keyboard.type("-79.4")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("door display")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#answers")).to_contain_text(
            f"{freezer.code}: 1 reading(s) recorded, 0 already on record; all within the band"
        )
        expect(page.locator(".plot svg circle")).to_have_count(3)
        camera.shoot(page, "temperatures")
    slots = {p.specimen_id: (p.row, p.column) for p in Placement.objects.filter(box=box)}
    assert slots == {moved.pk: (2, 2), loose.pk: (3, 3)}
    assert TemperatureReading.objects.filter(freezer=freezer).count() == 41
    assert TemperatureReading.objects.filter(source="door display").count() == 1

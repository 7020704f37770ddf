"""A phlebotomist's day at SITE-NORTH in headless Chromium, by keyboard and scanner alone: sign
in, scan a participant, register them, order, print (to loopback printers), collect by scanning,
process, finalize, pack by scanning and dispatch. Each page is screenshotted into tests/artifacts/.
"""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from barcode_printing.models import Printer, PrintJob
from lims.audit import stamp
from shipments.models import Shipment
from specimens.models import CollectionOrder, CustodyEvent, Specimen
from tests.barcode_printing.loopback import LoopbackPrinter, free_port
from tests.helpers import PASSWORD
from tests.workbench.browser import Camera, chromium_page, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]
KEEP = {"1SST8", "1ED10", "1UR10"}


def _printer(site, name, port, *, default):
    printer = Printer(
        name=name,
        site=site,
        kind="zpl_tcp",
        address=f"127.0.0.1:{port}",
        is_default_for_site=default,
    )
    stamp(printer, actor=None, reason="test setup").save()


def _scan(page, text, answer_role="status"):
    """Type as a wedge scanner does, once the scan field has the focus; the answer's text."""
    page.wait_for_selector("input[name=scan]:focus")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    answer = page.wait_for_selector(f"#answers [role={answer_role}]:has-text('{text}')")
    return answer.inner_text()


def _go(page, keys, url_part):
    with page.expect_navigation(url=lambda url: url_part in url):
        page.keyboard.press(keys)


def test_a_phlebotomists_day_by_keyboard(
    live_server, tube_catalog, north, biobank, phleb_north, finalized
):
    other = finalized("2ED10", finalize=False)[0]
    first_port, second_port = free_port(), free_port()
    _printer(north, "north-zebra", first_port, default=True)
    _printer(north, "north-zebra-2", second_port, default=False)
    drawn = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(north.time_zone)) - timedelta(
        minutes=45
    )
    camera = Camera("journey")
    seen = {}

    with chromium_page() as page:
        page.goto(f"{live_server.url}/accounts/login/?next=/collect/")
        camera.shoot(page, "sign in")
        page.keyboard.type(phleb_north.username)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation(url=lambda url: url.endswith("/collect/")):
            page.keyboard.press("Enter")
        camera.shoot(page, "work queue")

        page.wait_for_selector("input[name=scan]:focus")
        page.keyboard.type("P000000555")
        _go(page, "Enter", "/collect/participants/?scan=")
        seen["unknown"] = page.inner_text("#answers [role=alert]")
        camera.shoot(page, "participant unknown")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("P000000555")
        _go(page, "Enter", "/collect/participants/P000000555")
        camera.shoot(page, "participant")

        _go(page, "Alt+n", "/new-order")
        for _question in range(3):
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
        _go(page, "Enter", "fainting_history=no")
        camera.shoot(page, "new order tubes")
        codes = page.eval_on_selector_all("input[name=tubes]", "els => els.map(e => e.value)")
        for code in codes:
            if code not in KEEP:
                page.keyboard.press("Space")
            page.keyboard.press("Tab")
        first_printer = LoopbackPrinter(first_port)
        _go(page, "Enter", "/labels")
        seen["created"] = page.inner_text("#answers [role=status]")
        seen["first_job"] = page.inner_text("#jobs tbody tr:first-child")
        camera.shoot(page, "labels")

        second_printer = LoopbackPrinter(second_port)
        page.keyboard.type("north-zebra-2")
        page.keyboard.press("Tab")
        page.keyboard.type("first sheet jammed")
        _go(page, "Enter", "/labels")
        seen["reprint"] = page.inner_text("#answers [role=status]")
        camera.shoot(page, "labels reprinted")

        _go(page, "Alt+c", "/collect")
        tubes = page.eval_on_selector_all("table.tubes code", "els => els.map(e => e.textContent)")
        page.wait_for_selector("input[name=scan]:focus")
        page.keyboard.press("Tab")
        page.keyboard.press("Control+a")
        page.keyboard.type(f"{drawn:%Y-%m-%d %H:%M}")
        page.keyboard.press("Shift+Tab")
        seen["refused"] = _scan(page, other.barcode, "alert")
        seen["collected"] = [_scan(page, tube) for tube in tubes]
        camera.shoot(page, "collect")

        _go(page, "Alt+p", "/process")
        seen["clock"] = page.inner_text(".clock")
        camera.shoot(page, "process")
        _go(page, "Enter", "/collect/orders/")
        seen["processed"] = page.inner_text("#answers [role=status]")

        _go(page, "Alt+f", "/finalize")
        camera.shoot(page, "finalize")
        _go(page, "Enter", "/collect/orders/")
        seen["finalized"] = page.inner_text("#answers [role=status]")
        camera.shoot(page, "order finalized")

        _go(page, "Alt+s", "/stations/")
        camera.shoot(page, "stations")
        page.keyboard.type("Refrigerated")
        page.keyboard.press("Tab")
        _go(page, "Enter", "/pack")
        seen["packed"] = [_scan(page, tube) for tube in tubes]
        camera.shoot(page, "pack")

        page.keyboard.press("Alt+d")
        page.keyboard.press("Tab")
        page.keyboard.type("123456789012")
        _go(page, "Enter", "/pack")
        seen["dispatched"] = page.inner_text("#answers [role=status]")
        camera.shoot(page, "dispatched")

        page.keyboard.press("/")
        page.keyboard.type(tubes[0][:-1] + ("0" if tubes[0][-1] != "0" else "1"))
        _go(page, "Enter", "/search?q=")
        seen["search"] = page.inner_text("[role=alert]")
        camera.shoot(page, "search refused")

    order = CollectionOrder.objects.exclude(pk=other.order_id).get()
    shipment = Shipment.objects.get()
    assert seen["unknown"].endswith("P000000555: no participant with this ID at your sites.")
    assert seen["created"].endswith(f"Order {order.code} created with 3 tubes.")
    assert "north-zebra" in seen["first_job"] and "Sent" in seen["first_job"]
    assert seen["reprint"].endswith("Labels sent to north-zebra-2.")
    assert f"belongs to order {other.order.code}, not {order.code}" in seen["refused"]
    assert seen["collected"][0].endswith("collected (1SST8).")
    assert "min" in seen["clock"]
    assert seen["processed"].endswith(f"Processing of order {order.code} recorded.")
    assert seen["finalized"].endswith(f"Order {order.code} finalized: its tubes can be packed.")
    assert all(answer.endswith("packed") or "packed (" in answer for answer in seen["packed"])
    assert seen["dispatched"].endswith(f"{shipment.code} dispatched: its contents are now fixed.")
    assert "wrong check character" in seen["search"]

    assert order.status == "finalized" and order.participant.participant_id == "P000000555"
    specimens = list(Specimen.objects.filter(order=order).select_related("type"))
    assert sorted(s.type.code for s in specimens) == sorted(KEEP)
    assert sorted(tubes) == sorted(s.barcode for s in specimens)
    assert {s.status for s in specimens} == {"in_transit"}
    sst = next(s for s in specimens if s.type.code == "1SST8")
    assert sst.qc_flags == [] and sst.processed_at - sst.collected_at >= timedelta(minutes=30)
    kinds = ["labeled", "collected", "processed", "packed", "dispatched"]
    assert (
        list(
            CustodyEvent.objects.filter(specimen=sst).order_by("seq").values_list("kind", flat=True)
        )
        == kinds
    )
    assert set(
        CustodyEvent.objects.filter(specimen__order=order).values_list("actor", flat=True)
    ) == {phleb_north.pk}
    assert (shipment.status, shipment.courier, shipment.tracking_number) == (
        "dispatched",
        "fedex",
        "123456789012",
    )
    # The other order's tube, refused at the collect station, is as it was.
    assert Specimen.objects.get(pk=other.pk).custody_seq == other.custody_seq
    jobs = PrintJob.objects.order_by("pk")
    assert [(j.printer.name, j.status, j.reprint) for j in jobs] == [
        ("north-zebra", "sent", False),
        ("north-zebra-2", "sent", True),
    ]
    assert jobs[1].reason == "first sheet jammed"
    for received in (first_printer.job(), second_printer.job()):
        assert all(tube.encode() in received for tube in tubes)

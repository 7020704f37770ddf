"""The packing side's pages: create a shipment, take a tube out with a reason, cancel an empty
shipment, print its package label; bad input answered on the page with nothing changed."""

import html

import pytest

from barcode_printing.models import Printer, PrintJob
from lims import notes
from lims.audit import stamp
from shipments.models import Shipment, ShipmentItem
from specimens.models import CustodyEvent, Specimen
from tests.barcode_printing.loopback import LoopbackPrinter, free_port

pytestmark = pytest.mark.django_db


def _printer(site, name, address, *, default=False):
    printer = Printer(
        name=name, site=site, kind="zpl_tcp", address=address, is_default_for_site=default
    )
    stamp(printer, actor=None, reason="test setup").save()
    return printer


def test_a_phlebotomist_creates_a_shipment_from_the_web(page_for, phleb_north, north, biobank):
    client = page_for(phleb_north)
    assert "New shipment to the biobank" in client.get("/stations/").content.decode()
    made = client.post("/stations/new", {"condition": "refrigerated"})
    shipment = Shipment.objects.get()
    assert made["Location"] == f"/stations/shipments/{shipment.code}/pack"
    assert (shipment.origin, shipment.destination, shipment.created_by) == (
        north,
        biobank,
        phleb_north,
    )


def test_a_shipment_needs_a_known_condition(page_for, phleb_north, biobank):
    response = page_for(phleb_north).post("/stations/new", {"condition": "warm"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Shipment.objects.exists()


def test_with_no_biobank_a_shipment_is_refused_with_a_sentence(page_for, phleb_north):
    response = page_for(phleb_north).post("/stations/new", {"condition": "refrigerated"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and "There is no biobank to ship to yet" in page
    assert not Shipment.objects.exists()


def test_a_technician_sees_no_new_shipment_form(page_for, tech):
    assert "New shipment" not in page_for(tech).get("/stations/").content.decode()
    assert page_for(tech).post("/stations/new", {"condition": "frozen"}).status_code == 403


def test_a_tube_is_taken_out_before_dispatch_with_a_reason(
    page_for, phleb_north, shipment, finalized, pack
):
    tube = finalized("1ED10")[0]
    pack(shipment, [tube])
    url = f"/stations/shipments/{shipment.code}/remove"
    done = page_for(phleb_north).post(
        url, {"remove-tube": tube.barcode, "remove-reason": "damaged"}
    )
    assert done["Location"] == f"/stations/shipments/{shipment.code}/pack"
    assert Specimen.objects.get(pk=tube.pk).status == "collected"
    assert not ShipmentItem.objects.filter(open=True).exists()
    event = CustodyEvent.objects.filter(specimen=tube, kind="unpacked").get()
    assert event.actor == phleb_north and event.ref == shipment.code
    record = Specimen.history.filter(id=tube.pk).order_by("-history_date").first()
    assert notes.reason(record) == (f"taken out of {shipment.code}: Tube damaged while packing")


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"remove-reason": "damaged"}, "This field is required."),
        ({"remove-tube": "BX0000001Q", "remove-reason": "damaged"}, "wrong check character"),
        ({"remove-tube": "TUBE", "remove-reason": ""}, "This field is required."),
        ({"remove-tube": "TUBE", "remove-reason": "other"}, "needs a few words"),
    ],
)
def test_taking_a_tube_out_badly_says_why_and_changes_nothing(
    page_for, phleb_north, shipment, finalized, pack, fields, sentence
):
    tube = finalized("1ED10")[0]
    pack(shipment, [tube])
    if fields.get("remove-tube") == "TUBE":
        fields = {**fields, "remove-tube": tube.barcode}
    response = page_for(phleb_north).post(f"/stations/shipments/{shipment.code}/remove", fields)
    assert response.status_code == 400 and sentence in response.content.decode()
    assert Specimen.objects.get(pk=tube.pk).status == "packed"
    assert ShipmentItem.objects.filter(open=True).count() == 1


def test_an_empty_shipment_is_cancelled_with_a_listed_reason(page_for, phleb_north, shipment):
    client = page_for(phleb_north)
    url = f"/stations/shipments/{shipment.code}"
    assert "Cancel this shipment" in client.get(f"{url}/pack").content.decode()
    refused = client.post(f"{url}/cancel", {"cancel-reason": ""})
    assert refused.status_code == 400
    assert Shipment.objects.get(pk=shipment.pk).status == "packing"
    assert client.post(f"{url}/cancel", {"cancel-reason": "pickup_cancelled"})["Location"] == (
        "/stations/"
    )
    assert Shipment.objects.get(pk=shipment.pk).status == "cancelled"


# Outside a test transaction, as in a request, a job is delivered before the page answers.
@pytest.mark.django_db(transaction=True)
def test_the_package_label_goes_to_the_sites_printer(page_for, phleb_north, north, shipment):
    printer = LoopbackPrinter()
    _printer(north, "north-zebra", f"127.0.0.1:{printer.port}", default=True)
    response = page_for(phleb_north).post(
        f"/stations/shipments/{shipment.code}/label", {"printer": "north-zebra"}, follow=True
    )
    assert f"Package label of {shipment.code} sent to north-zebra." in response.content.decode()
    assert shipment.code.encode() in printer.job()
    assert PrintJob.objects.get().status == "sent"


@pytest.mark.django_db(transaction=True)
def test_a_label_printer_that_does_not_answer_is_said_so(page_for, phleb_north, north, shipment):
    _printer(north, "north-off", f"127.0.0.1:{free_port()}")
    response = page_for(phleb_north).post(
        f"/stations/shipments/{shipment.code}/label", {"printer": "north-off"}, follow=True
    )
    page = response.content.decode()
    assert (
        f"Package label of {shipment.code} not printed on north-off" in page
        and 'role="alert"' in page
    )
    assert PrintJob.objects.get().status == "failed"


@pytest.mark.parametrize("fields", [{"printer": "nowhere"}, {}])
def test_an_unknown_or_missing_label_printer_is_refused(page_for, phleb_north, shipment, fields):
    response = page_for(phleb_north).post(f"/stations/shipments/{shipment.code}/label", fields)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert 'role="alert"' in page
    assert f"Package label of {shipment.code}: not printed; see the form." in page
    assert not PrintJob.objects.exists()

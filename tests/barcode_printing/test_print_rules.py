"""What POST labels/ refuses, always as problem+json and with no print job recorded: reprints
without a reason, bad IDs, other sites' tubes and printers, and labels that cannot be made."""

import pytest

from barcode_printing import sources
from barcode_printing.ids import format_id
from barcode_printing.layouts import LabelData
from barcode_printing.models import PrintJob
from barcode_printing.sources import LabelBatch
from lims import notes
from lims.audit import stamp
from lims.choices import Role
from specimens.models import Specimen
from tests.barcode_printing.conftest import make_printer, post_labels
from tests.helpers import assert_problem, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tube(make_order):
    return make_order("1SST8").specimens.get().barcode


def no_job_recorded():
    return not PrintJob.objects.exists()


# --- reprints --------------------------------------------------------------------------------


def test_printing_a_tube_again_needs_a_reason(api, phleb_north, tube):
    client = api(phleb_north)
    assert post_labels(client, ids=[tube]).status_code == 200
    body = assert_problem(post_labels(client, ids=[tube]), 400, "reason_required")
    assert tube in body["detail"]
    assert PrintJob.objects.count() == 1


def test_a_reprint_with_a_reason_is_recorded_as_a_reprint(api, phleb_north, tube):
    client = api(phleb_north)
    post_labels(client, ids=[tube])
    response = post_labels(client, ids=[tube], reason="label smudged by ethanol")
    assert response.status_code == 200
    job = PrintJob.objects.get(public_id=response["X-Print-Job"])
    assert (job.reprint, job.reason) == (True, "label smudged by ethanol")
    assert notes.reason(job.history.get()) == "label smudged by ethanol"


def test_the_reprint_reason_may_come_in_the_change_reason_header(api, phleb_north, tube):
    client = api(phleb_north)
    post_labels(client, ids=[tube])
    response = client.post(
        "/api/v1/labels/", {"ids": [tube]}, format="json", HTTP_X_CHANGE_REASON="torn label"
    )
    assert response.status_code == 200
    assert PrintJob.objects.latest("pk").reason == "torn label"


def test_a_reprint_reason_that_could_identify_someone_is_refused(api, phleb_north, tube):
    client = api(phleb_north)
    post_labels(client, ids=[tube])
    response = post_labels(client, ids=[tube], reason="relabel for Mrs. Jones")
    assert_problem(response, 400, "possible_identifier_in_text")
    assert PrintJob.objects.count() == 1


def test_an_order_with_one_tube_printed_before_is_a_reprint(api, phleb_north, make_order):
    order = make_order("1SST8", "1ED10")
    first = order.specimens.order_by("barcode").first().barcode
    client = api(phleb_north)
    post_labels(client, ids=[first])
    assert_problem(post_labels(client, order=order.code), 400, "reason_required")


# --- identifiers and scope -------------------------------------------------------------------


def test_a_wrong_check_character_is_refused_as_such(api, phleb_north, tube):
    wrong = tube[:-1] + ("A" if tube[-1] != "A" else "B")
    assert_problem(post_labels(api(phleb_north), ids=[wrong]), 400, "invalid_check_character")
    assert no_job_recorded()


def test_an_unknown_id_is_404(api, phleb_north):
    body = assert_problem(
        post_labels(api(phleb_north), ids=[format_id("BX", 9_999_999)]), 404, "not_found"
    )
    assert body["errors"]["ids"]
    assert no_job_recorded()


def test_another_sites_tube_and_order_are_404(api, phleb_south, make_order):
    order = make_order("1SST8")
    tube = order.specimens.get().barcode
    assert_problem(post_labels(api(phleb_south), ids=[tube]), 404, "not_found")
    assert_problem(post_labels(api(phleb_south), order=order.code), 404, "not_found")
    assert no_job_recorded()


def test_another_sites_printer_is_404(api, phleb_north, tube, south):
    make_printer("south-zebra", south, address="127.0.0.1:9100")
    body = assert_problem(
        post_labels(api(phleb_north), ids=[tube], printer="south-zebra"), 404, "not_found"
    )
    assert body["errors"] == {"printer": ["Unknown printer."]}
    assert no_job_recorded()


def test_an_inactive_printer_is_404(api, phleb_north, tube, north):
    make_printer("north-old", north, address="127.0.0.1:9100", active=False)
    assert_problem(post_labels(api(phleb_north), ids=[tube], printer="north-old"), 404, "not_found")


def test_an_auditor_sees_printers_but_may_not_print(api, auditor, tube, north):
    make_printer("north-pdf", north, kind="pdf")
    response = post_labels(api(auditor), ids=[tube], printer="north-pdf")
    assert_problem(response, 403, "role_forbids_action")
    assert_problem(post_labels(api(auditor), ids=[tube]), 403, "role_forbids_action")
    assert no_job_recorded()


def test_the_biobank_may_not_relabel_tubes_still_at_the_collection_site(api, tech, tube):
    body = assert_problem(post_labels(api(tech), ids=[tube]), 403, "role_forbids_action")
    assert "SITE-NORTH" in body["detail"]


def test_the_biobank_relabels_a_tube_it_holds(api, tech, biobank, tube):
    received = Specimen.objects.get(barcode=tube)
    received.current_site = biobank
    stamp(received, actor=None, reason="test: the tube reached the biobank").save()
    response = post_labels(api(tech), ids=[tube])
    assert response.status_code == 200
    assert PrintJob.objects.get().site == biobank


def test_tubes_at_two_sites_are_printed_separately(api, phleb_north, make_order, biobank, tube):
    moved = make_order("1ED10").specimens.get()
    moved.current_site = biobank
    stamp(moved, actor=None, reason="test: the tube reached the biobank").save()
    response = post_labels(api(phleb_north), ids=[tube, moved.barcode])
    assert_problem(response, 400, "labels_span_sites")
    assert no_job_recorded()


# --- what cannot be printed ------------------------------------------------------------------


def test_an_unknown_layout_is_400(api, phleb_north, tube):
    body = assert_problem(post_labels(api(phleb_north), ids=[tube], layout="huge"), 400, "invalid")
    assert "layout" in body["errors"]
    assert no_job_recorded()


def test_a_sheet_is_only_printed_as_pdf(api, phleb_north, tube):
    response = post_labels(api(phleb_north), ids=[tube], layout="letter_tube_128x050", format="zpl")
    assert_problem(response, 400, "invalid")
    assert no_job_recorded()


def test_a_label_printer_takes_only_zpl(api, phleb_north, tube, north):
    make_printer("north-zebra", north, address="127.0.0.1:9100")
    response = post_labels(api(phleb_north), ids=[tube], printer="north-zebra", format="pdf")
    assert_problem(response, 400, "format_not_for_printer")
    assert no_job_recorded()


def test_a_payload_too_long_for_the_label_is_refused(api, phleb_north, north, monkeypatch):
    long = LabelData("X" * 30, ("1SST8", "B000000001", "2026-01-01"))
    monkeypatch.setitem(
        sources._SOURCES, "ids", lambda user, value: LabelBatch(("X" * 30,), (long,), north)
    )
    response = post_labels(api(phleb_north), ids=["anything"])
    assert_problem(response, 400, "payload_too_long")
    assert no_job_recorded()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid"),
        ({"ids": ["X"], "order": "ORD-0000001"}, "invalid"),
        ({"ids": []}, "invalid"),
        ({"rack": "RACK-1"}, "unknown_field"),
        ({"freezer": "FRZ-80-01"}, "unknown_field"),
        ({"order": "ORD-0000001", "format": "bmp"}, "invalid"),
        ({"order": "ORD-0000001", "copies": 0}, "invalid"),
    ],
)
def test_malformed_requests_are_400(api, phleb_north, body, code):
    assert_problem(api(phleb_north).post("/api/v1/labels/", body, format="json"), 400, code)
    assert no_job_recorded()


def test_a_site_admin_may_print(api, north, tube):
    admin = make_user("admin-north", (north, Role.SITE_ADMIN))
    assert post_labels(api(admin), ids=[tube]).status_code == 200

"""specimens.labels: what a tube's label carries, and an order's labels printed at creation."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from barcode_printing.models import PrintJob
from specimens.labels import print_order_labels, specimen_label_data
from tests.barcode_printing.conftest import commits, make_printer
from tests.barcode_printing.decoding import decode, expected_symbols, zpl_labels
from tests.barcode_printing.test_print_api import TUBE


@pytest.mark.django_db
def test_a_label_shows_id_tube_code_biobank_id_and_the_visit_date(make_order, participant):
    order = make_order("1SST8")
    specimen = order.specimens.get()
    visit_day = order.created_at.astimezone(ZoneInfo("America/Chicago")).date().isoformat()
    (label,) = specimen_label_data(specimen)
    assert label.payload == specimen.barcode
    assert label.lines == ("1SST8", participant.biobank_id, visit_day)
    assert participant.participant_id not in label.lines


@pytest.mark.django_db
def test_after_the_draw_the_date_is_the_collection_date_at_the_site(make_order):
    specimen = make_order("1ED10").specimens.get()
    # 03:30 UTC is still the evening before in Chicago.
    specimen.collected_at = datetime(2026, 3, 2, 3, 30, tzinfo=ZoneInfo("UTC"))
    assert specimen_label_data(specimen)[0].lines[2] == "2026-03-01"


@pytest.mark.django_db
def test_a_urine_cup_takes_two_labels(make_order):
    specimen = make_order("1UR90").specimens.get()
    assert len(specimen_label_data(specimen)) == 2


@pytest.mark.django_db
def test_no_default_printer_prints_nothing(make_order, phleb_north, north):
    make_printer("north-zebra", north, address="127.0.0.1:9100")
    make_printer("north-pdf", north, kind="pdf", is_default_for_site=True)
    assert print_order_labels(phleb_north, make_order("1SST8")) is None
    assert not PrintJob.objects.exists()


@commits
def test_a_new_order_prints_on_the_sites_default_label_printer(
    make_order, phleb_north, zebra, loopback
):
    zebra.is_default_for_site = True
    zebra.save()
    order = make_order("1SST8", "1UR10")
    # Creating the order printed its labels once it committed.
    job = PrintJob.objects.get()
    assert (job.status, job.actor, job.printer, job.reprint) == ("sent", phleb_north, zebra, False)
    sst, urine = (s.barcode for s in order.specimens.order_by("barcode"))
    assert [decode(label) for label in zpl_labels(loopback.job(), dpi=300)] == [
        expected_symbols(TUBE, code) for code in (sst, urine, urine)
    ]

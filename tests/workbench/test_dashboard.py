"""The dashboard: each app's panels, scoped, plotted as SVG beside their numbers, in a number
of queries that does not grow with the tubes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freezers import services as storage
from freezers.models import Freezer
from shipments import receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_day(finalized, in_transit, tech, ultra, box):
    """A shipment received with one tube missing, an empty box in a freezer, and a reading of
    that freezer out of its band."""

    def make(tubes=2):
        shipped = finalized(*["1SST8"] * tubes)
        shipment = in_transit(shipped)
        receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
        receipt.shipment_receive(actor=tech, shipment=shipment, barcode=shipped[0].barcode)
        receipt.shipment_close(actor=tech, shipment=shipment)
        now = timezone.now()
        storage.record_readings(
            actor=tech,
            freezer=Freezer.objects.get(pk=ultra.pk),
            readings=[
                (now - timedelta(hours=2), Decimal("-80")),
                (now - timedelta(hours=1), Decimal("-52")),
            ],
        )
        return shipment

    return make


def test_every_panel_has_a_plot_and_its_numbers(page_for, auditor, network_day, finalized):
    shipment = network_day()
    response = page_for(auditor).get("/dashboard")
    page = response.content.decode()
    for title in (
        "Shipments in transit and tubes overdue",
        "Receipts with discrepancies",
        "Processing delay (collection → processing)",
        "Transit time (dispatch → arrival)",
        "Temperature excursions in transit",
        "Freezer occupancy",
        "Freezer temperature excursions (30 days)",
    ):
        assert f">{title}</h2>" in page
    assert page.count("<svg ") >= 5 and "<script>" not in page and " style=" not in page
    assert f"<td>{shipment.code}</td><td>SITE-NORTH</td><td>0</td><td>0</td><td>1</td>" in page
    assert "<td>FRZ-80-A</td><td>81</td><td>0</td><td>81</td><td>0%</td>" in page
    assert "<td>FRZ-80-A</td><td>2</td><td>1</td>" in page
    assert "<td>SITE-NORTH</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>" in page
    assert "<td>SITE-NORTH</td><td>0</td><td>0</td><td>2</td><td>0</td><td>0</td><td>2</td>" in page


def test_a_site_sees_only_its_own_numbers(page_for, phleb_south, network_day):
    network_day()
    page = page_for(phleb_south).get("/dashboard").content.decode()
    assert "SITE-NORTH" not in page and "FRZ-80-A" not in page


def test_the_query_count_is_constant_in_the_number_of_tubes(
    page_for, auditor, network_day, finalized
):
    network_day(tubes=1)
    client = page_for(auditor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dashboard").status_code == 200
        return len(queries)

    few = count()
    finalized("1SST8", "1ED10", "1UR10")
    assert count() == few

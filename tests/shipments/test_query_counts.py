"""Receipt scans, the reconciliation and lists cost the same number of queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipments import dispatch, packing, receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrived_with(tech, phleb_north, north, biobank, finalized):
    def make(tube_count):
        shipment = packing.shipment_create(
            actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
        )
        tubes = []
        while len(tubes) < tube_count:
            tubes += finalized("1ED10", "2ED10", "1ED04", "1UR10")
        for tube in tubes[:tube_count]:
            packing.shipment_add_item(actor=phleb_north, shipment=shipment, barcode=tube.barcode)
        dispatch.shipment_dispatch(
            actor=phleb_north, shipment=shipment, courier="fedex", tracking_number="123456789012"
        )
        receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
        return shipment, [t.barcode for t in tubes[:tube_count]]

    return make


def _queries(client, method, url, body=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, body)
    assert response.status_code == 200, response.content
    return len(captured)


def test_receive_and_reconciliation_do_not_grow_with_the_shipment(api, tech, arrived_with):
    client = api(tech)
    costs = []
    for size in (4, 40):
        shipment, ids = arrived_with(size)
        url = f"/api/v1/shipments/{shipment.code}/"
        costs.append(
            (
                _queries(client, "post", url + "receive/", {"id": ids[0]}),
                _queries(client, "post", url + "receive/", {"id": ids[1], "damaged": True}),
                _queries(client, "get", url + "reconciliation/"),
            )
        )
    assert costs[0] == costs[1]


def test_the_shipment_list_does_not_grow_with_shipments(api, tech, arrived_with):
    client = api(tech)
    arrived_with(3)
    one = _queries(client, "get", "/api/v1/shipments/")
    for _ in range(3):
        arrived_with(2)
    assert _queries(client, "get", "/api/v1/shipments/") == one


def test_the_overdue_report_does_not_grow_with_tubes(api, phleb_north, finalized):
    client = api(phleb_north)
    finalized("1ED10")
    one = _queries(client, "get", "/api/v1/reports/overdue")
    finalized("1ED10", "2ED10", "1UR10")
    assert _queries(client, "get", "/api/v1/reports/overdue") == one

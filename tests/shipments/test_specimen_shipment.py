"""A tube's representation names the shipment that carries or last carried it, and the specimen
list shows it in the same number of queries however many tubes travel."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipments import packing, receipt

pytestmark = pytest.mark.django_db


def shown(client, tube) -> str | None:
    return client.get(f"/api/v1/specimens/{tube.barcode}/").json()["shipment"]


def test_a_tube_shows_its_shipment_from_packing_to_receipt_and_none_once_taken_out(
    api, phleb_north, tech, north, biobank, shipment, finalized, pack, in_transit
):
    client = api(phleb_north)
    kept, taken_out = finalized("1ED10", "2ED10")
    assert shown(client, kept) is None
    pack(shipment, [taken_out])
    assert shown(client, taken_out) == shipment.code
    packing.shipment_remove_item(actor=phleb_north, shipment=shipment, barcode=taken_out.barcode)
    assert shown(client, taken_out) is None
    in_transit([kept])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    receipt.shipment_receive(actor=tech, shipment=shipment, barcode=kept.barcode)
    assert shown(api(tech), kept) == shipment.code
    later = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    pack(later, [taken_out])
    order = client.get(f"/api/v1/orders/{taken_out.order.code}/").json()
    assert {tube["id"]: tube["shipment"] for tube in order["specimens"]} == {
        kept.barcode: shipment.code,
        taken_out.barcode: later.code,
    }


def test_the_specimen_and_order_lists_cost_the_same_with_few_or_many_tubes_shipped(
    api, phleb_north, north, biobank, finalized, pack
):
    client = api(phleb_north)

    def ship_and_list(tube_count: int) -> int:
        shipment = packing.shipment_create(
            actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
        )
        tubes = []
        while len(tubes) < tube_count:
            tubes += finalized("1ED10", "2ED10")
        pack(shipment, tubes[:tube_count])
        with CaptureQueriesContext(connection) as captured:
            listed = client.get("/api/v1/specimens/").json()["results"]
            assert client.get("/api/v1/orders/").status_code == 200
        assert {row["shipment"] for row in listed} >= {shipment.code}
        return len(captured)

    assert ship_and_list(2) == ship_and_list(9)


@pytest.mark.parametrize("value", ["SH-99999", "sh-bad", "' OR 1=1 --", ""])
def test_filtering_by_an_unknown_shipment_lists_nothing_or_everything_when_blank(
    api, phleb_north, shipment, finalized, pack, value
):
    tubes = finalized("1ED10", "2ED10")
    pack(shipment, tubes[:1])
    listed = api(phleb_north).get("/api/v1/specimens/", {"shipment": value}).json()
    assert listed["count"] == (2 if value == "" else 0)

"""Packing and receiving scans sent in a batch: each answered as on its own, in scan order."""

import pytest
from django.db import connection

from lims.models import IdempotencyKey
from shipments import services as shipping
from shipments.models import Discrepancy, ShipmentItem
from specimens.models import CustodyEvent, Specimen
from tests.helpers import race

pytestmark = pytest.mark.django_db


def scans(shipment, endpoint: str, ids: list[str], prefix: str = "k") -> dict:
    return {
        "requests": [
            {
                "key": f"{prefix}{n}",
                "path": f"shipments/{shipment.code}/{endpoint}/",
                "body": {"id": i},
            }
            for n, i in enumerate(ids)
        ]
    }


def answered(client, envelope) -> list[tuple[int, str | None]]:
    answer = client.post("/api/v1/batch/", envelope, format="json")
    assert answer.status_code == 200, answer.content
    return [(r["status"], r["body"].get("code")) for r in answer.json()["results"]]


def test_packing_by_batch_takes_each_tube_or_says_why_not(api, phleb_north, shipment, finalized):
    first, second = finalized("1ED10", "2ED10")
    (unfinalized,) = finalized("1UR10", finalize=False)
    envelope = scans(
        shipment, "items", [first.barcode, unfinalized.barcode, first.barcode, second.barcode]
    )
    assert answered(api(phleb_north), envelope) == [
        (201, None),
        (409, "order_not_finalized"),
        (409, "already_in_shipment"),
        (201, None),
    ]
    packed = ShipmentItem.objects.filter(shipment=shipment, open=True).order_by("pk")
    assert [item.specimen.barcode for item in packed] == [first.barcode, second.barcode]
    assert Specimen.objects.get(pk=unfinalized.pk).status == "collected"


def test_receiving_by_batch_answers_each_tube_with_its_receipt(
    api, phleb_north, tech, shipment, finalized, in_transit
):
    expected, damaged, missing = finalized("1ED10", "2ED10", "1UR10")
    (stray,) = finalized("1SAL")
    in_transit([expected, damaged, missing])
    shipping.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    envelope = scans(
        shipment, "receive", [expected.barcode, stray.barcode, expected.barcode, damaged.barcode]
    )
    envelope["requests"][3]["body"]["damaged"] = True
    client = api(tech)
    answer = client.post("/api/v1/batch/", envelope, format="json").json()["results"]
    assert [(r["status"], r["body"].get("outcome") or r["body"]["code"]) for r in answer] == [
        (200, "expected"),
        (200, "unexpected"),
        (409, "already_received"),
        (200, "damaged"),
    ]
    # Each answer counts the receipts as they stood after its own scan.
    counts = [r["body"]["counts"] for r in (answer[0], answer[1], answer[3])]
    assert [(c["received"], c["damaged"], c["unexpected"]) for c in counts] == [
        (1, 0, 0),
        (1, 0, 1),
        (1, 1, 1),
    ]
    reconciliation = client.get(f"/api/v1/shipments/{shipment.code}/reconciliation/").json()
    assert reconciliation["missing"] == [missing.barcode]
    assert reconciliation["unexpected"] == [stray.barcode]
    assert Discrepancy.objects.filter(shipment=shipment, kind="unexpected").count() == 1
    assert CustodyEvent.objects.filter(kind="received").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serializes"
)
def test_the_same_batch_sent_twice_at_once_is_applied_once(
    api, tube_catalog, phleb_north, shipment, finalized
):
    tubes = finalized("1ED10", "2ED10", "1UR10")
    envelope = scans(shipment, "items", [tube.barcode for tube in tubes])

    def send():
        answer = api(phleb_north).post("/api/v1/batch/", envelope, format="json")
        return answer.status_code, answer.json()["results"]

    first, second = race([send, send])
    assert first == second
    assert {result["status"] for result in first[1]} == {201}
    assert ShipmentItem.objects.filter(shipment=shipment).count() == 3
    assert CustodyEvent.objects.filter(kind="packed").count() == 3
    assert IdempotencyKey.objects.count() == 3

"""Packing and receiving scans sent in a batch: each answered as on its own, in scan order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims.models import IdempotencyKey
from shipments import receipt
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
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
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


def test_a_batch_receives_a_straggler_with_its_reference_and_refuses_one_without(
    api, phleb_north, tech, shipment, finalized, in_transit
):
    late, other = finalized("1ED10", "2ED10")
    in_transit([late, other])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    receipt.shipment_close(actor=tech, shipment=shipment)
    envelope = scans(shipment, "receive", [late.barcode, late.barcode])
    envelope["requests"][1]["body"]["reference"] = "INC-0042"
    client = api(tech)
    answer = client.post("/api/v1/batch/", envelope, format="json").json()["results"]
    assert [(r["status"], r["body"].get("outcome") or r["body"]["code"]) for r in answer] == [
        (400, "reference_required"),
        (200, "straggler"),
    ]
    missing = Discrepancy.objects.get(shipment=shipment, kind="missing", barcode=late.barcode)
    assert missing.resolution_ref == "INC-0042"
    assert Specimen.objects.get(pk=late.pk).status == "received"
    # The closed receipt takes no tube it does not know of.
    (stray,) = finalized("1SAL")
    stray_scan = scans(shipment, "receive", [stray.barcode], prefix="s")
    assert answered(client, stray_scan) == [(409, "shipment_closed")]


def test_every_scan_of_a_batch_is_refused_when_its_shipment_is(
    api, phleb_north, tech, shipment, finalized, in_transit
):
    tubes = finalized("1ED10", "2ED10")
    in_transit(tubes)
    envelope = scans(shipment, "receive", [tube.barcode for tube in tubes])
    assert answered(api(phleb_north), envelope) == [(403, "role_forbids_action")] * 2
    assert answered(api(tech), envelope) == [(409, "shipment_not_arrived")] * 2
    unknown = {
        "requests": [{**r, "path": "shipments/SH-9999999/receive/"} for r in envelope["requests"]]
    }
    for request in unknown["requests"]:
        request["key"] += "-unknown"
    assert answered(api(tech), unknown) == [(404, "not_found")] * 2
    assert CustodyEvent.objects.filter(kind="received").count() == 0


def test_receiving_five_tubes_or_twenty_five_takes_the_same_queries(
    api, phleb_north, tech, shipment, finalized, in_transit
):
    tubes = [tube for _ in range(3) for tube in finalized(*["1ED10", "2ED10", "1UR10"] * 3)][:30]
    in_transit(tubes)
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    client = api(tech)

    def queries(batch, prefix):
        envelope = scans(shipment, "receive", [tube.barcode for tube in batch], prefix=prefix)
        with CaptureQueriesContext(connection) as captured:
            assert {status for status, _ in answered(client, envelope)} == {200}
        return len(captured)

    assert queries(tubes[:5], "a") == queries(tubes[5:], "b")


def test_a_bad_receipt_scan_is_refused_alone_and_changes_nothing(
    api, phleb_north, tech, shipment, finalized, in_transit
):
    good, other = finalized("1ED10", "2ED10")
    in_transit([good, other])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    wrong_check = other.barcode[:-1] + ("A" if other.barcode[-1] != "A" else "B")
    envelope = scans(shipment, "receive", [good.barcode, wrong_check, other.barcode, "x"])
    envelope["requests"][2]["body"]["damaged"] = "perhaps"
    envelope["requests"][3]["body"] = {"id": other.barcode, "colour": "red"}
    assert answered(api(tech), envelope) == [
        (200, None),
        (400, "invalid_check_character"),
        (400, "invalid"),
        (400, "unknown_field"),
    ]
    assert list(
        ShipmentItem.objects.filter(shipment=shipment)
        .order_by("specimen__barcode")
        .values_list("specimen__barcode", "receipt_status")
    ) == sorted([(good.barcode, "received"), (other.barcode, "pending")])
    assert Specimen.objects.get(pk=other.pk).status == "in_transit"

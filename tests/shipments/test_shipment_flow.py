"""The whole journey through the API: order, pack, dispatch, arrive, receive, close, straggler."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from barcode_printing.ids import format_id
from lims import notes
from shipments.models import Discrepancy, ShipmentItem
from specimens import custody
from specimens.models import CustodyEvent, Specimen
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


def _finalized_order_via_api(site_client, tubes: list[str]) -> list[str]:
    assert (
        site_client.post(
            "/api/v1/participants/", {"participant_id": "P000000777", "site": "SITE-NORTH"}
        ).status_code
        == 201
    )
    order = site_client.post(
        "/api/v1/orders/",
        {"participant": "P000000777", "site": "SITE-NORTH", "tubes": tubes, "safety": NO_RISK},
    ).json()
    code = order["code"]
    drawn = timezone.now() - timedelta(hours=2)
    collected = site_client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": drawn})
    assert collected.status_code == 200, collected.content
    processed = site_client.post(
        f"/api/v1/orders/{code}/process/", {"processed_at": drawn + timedelta(hours=1)}
    )
    assert processed.status_code == 200, processed.content
    assert site_client.post(f"/api/v1/orders/{code}/finalize/").status_code == 200
    return [tube["id"] for tube in order["specimens"]]


def _kinds(barcode: str) -> list[str]:
    return list(
        CustodyEvent.objects.filter(specimen__barcode=barcode)
        .order_by("seq")
        .values_list("kind", flat=True)
    )


def test_order_to_straggler(api, phleb_north, tech, north, biobank, finalized):
    site, bank = api(phleb_north), api(tech)
    ids = _finalized_order_via_api(site, ["1SST8", "1PST8", "1ED10", "2ED10", "1UR10"])
    outsider_tube = finalized("1ED04")[0].barcode

    created = site.post(
        "/api/v1/shipments/",
        {"origin": "SITE-NORTH", "destination": "BIOBANK", "condition": "refrigerated"},
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert code.startswith("SH-") and created.json()["status"] == "packing"

    for position, barcode in enumerate(ids, start=1):
        packed = site.post(
            f"/api/v1/shipments/{code}/items/",
            {"id": barcode, "inner_box": 1, "position": f"A{position}"},
        )
        assert packed.status_code == 201, packed.content
        assert packed.json()["status"] == "packed"
    # One tube goes in and comes out again before dispatch: back to processed, custody kept.
    spare = finalized("1SST8")[0].barcode
    assert site.post(f"/api/v1/shipments/{code}/items/", {"id": spare}).status_code == 201
    removed = site.delete(f"/api/v1/shipments/{code}/items/{spare}/")
    assert removed.status_code == 200, removed.content
    assert Specimen.objects.get(barcode=spare).status == "processed"
    assert _kinds(spare)[-2:] == ["packed", "unpacked"]

    dispatched = site.post(
        f"/api/v1/shipments/{code}/dispatch/",
        {"courier": "ups", "tracking_number": "1Z999AA10123456784", "logger_id": "LOG-7"},
    )
    assert dispatched.status_code == 200, dispatched.content
    body = dispatched.json()
    assert body["status"] == "dispatched" and body["item_count"] == 5
    assert [item["id"] for item in body["items"]] == ids
    assert set(Specimen.objects.filter(barcode__in=ids).values_list("status", flat=True)) == {
        "in_transit"
    }
    late = site.post(f"/api/v1/shipments/{code}/items/", {"id": spare})
    assert_problem(late, 409, "shipment_dispatched")

    manifest = site.get(f"/api/v1/shipments/{code}/manifest.csv")
    assert manifest.status_code == 200 and manifest["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(manifest.content.decode())))
    assert [row["id"] for row in rows] == ids
    assert [row["position"] for row in rows] == ["A1", "A2", "A3", "A4", "A5"]
    assert {row["type"] for row in rows} == {"1SST8", "1PST8", "1ED10", "2ED10", "1UR10"}

    early = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[0]})
    assert_problem(early, 409, "shipment_not_arrived")
    arrived = bank.post(
        f"/api/v1/shipments/{code}/arrive/",
        {"condition_ok": True, "temperature_c": "4.5", "notes": "cold packs intact"},
    )
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["status"] == "arrived"

    first = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[0]})
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "expected"
    assert first.json()["counts"] == {
        "expected": 5,
        "received": 1,
        "damaged": 0,
        "missing": 4,
        "unexpected": 0,
    }
    assert bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[1]}).status_code == 200
    again = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[0]})
    assert_problem(again, 409, "already_received")
    damaged = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[2], "damaged": True})
    assert damaged.json()["outcome"] == "damaged"
    stray = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": outsider_tube})
    assert stray.json()["outcome"] == "unexpected"
    assert stray.json()["last_custody"]["kind"] == "collected"
    assert Specimen.objects.get(barcode=outsider_tube).status == "collected"
    unknown = format_id("BX", 9_999_999)
    assert bank.post(f"/api/v1/shipments/{code}/receive/", {"id": unknown}).json()["outcome"] == (
        "unexpected"
    )

    live = bank.get(f"/api/v1/shipments/{code}/reconciliation/").json()
    assert live["expected"] == ids
    assert live["received"] == ids[:2]
    assert live["damaged"] == [ids[2]]
    assert live["missing"] == ids[3:]
    assert live["unexpected"] == sorted([outsider_tube, unknown])

    closed = bank.post(f"/api/v1/shipments/{code}/close/")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    final = bank.get(f"/api/v1/shipments/{code}/reconciliation/").json()
    assert final["counts"] == {
        "expected": 5,
        "received": 2,
        "missing": 2,
        "damaged": 1,
        "unexpected": 2,
    }
    assert set(Specimen.objects.filter(barcode__in=ids[3:]).values_list("status", flat=True)) == {
        "missing"
    }
    assert_problem(
        bank.post(f"/api/v1/shipments/{code}/receive/", {"id": outsider_tube}),
        409,
        "shipment_closed",
    )

    # A straggler turns up: received with a reference that resolves its discrepancy.
    no_ref = bank.post(f"/api/v1/shipments/{code}/receive/", {"id": ids[3]})
    assert_problem(no_ref, 400, "reference_required")
    straggler = bank.post(
        f"/api/v1/shipments/{code}/receive/", {"id": ids[3], "reference": "INC-2211"}
    )
    assert straggler.status_code == 200, straggler.content
    assert straggler.json()["outcome"] == "straggler"
    missing = Discrepancy.objects.get(barcode=ids[3], kind="missing")
    assert missing.resolution_ref == "INC-2211" and missing.resolved_by == tech
    assert notes.reason(missing.history.first()) == "straggler received: INC-2211"

    tubes = {s.barcode: s for s in Specimen.objects.filter(barcode__in=ids)}
    assert tubes[ids[0]].status == "received" and tubes[ids[0]].current_site == biobank
    # The system's own words: kept in the row as they are (no note) and shown as they are.
    assert tubes[ids[2]].hold_reason == "damaged in transit"
    assert bank.get(f"/api/v1/specimens/{ids[2]}/").json()["hold_reason"] == "damaged in transit"
    assert "damaged_in_transit" in tubes[ids[2]].qc_flags
    held = CustodyEvent.objects.get(specimen=tubes[ids[2]], kind="held")
    assert held.details["reason"] == "damaged in transit"
    assert tubes[ids[2]].history.latest().history_change_reason == "damaged in transit"
    assert tubes[ids[3]].status == "received"
    assert tubes[ids[4]].status == "missing"
    collection = ["labeled", "collected"]
    assert _kinds(ids[0]) == [*collection, "processed", "packed", "dispatched", "received"]
    assert _kinds(ids[2])[-2:] == ["received", "held"]
    assert _kinds(ids[3])[-3:] == ["dispatched", "missing", "received"]
    assert _kinds(ids[4]) == [*collection, "packed", "dispatched", "missing"]
    received = CustodyEvent.objects.get(specimen__barcode=ids[0], kind="received")
    assert received.site == biobank and received.actor == tech and received.ref == code
    assert received.details["transit_minutes"] is not None
    assert ShipmentItem.objects.filter(shipment__code=code, open=True).count() == 0
    assert custody.verify(None).ok

"""Dispatch and receipt refuse what would corrupt the record, and answer each scan at once."""

import pytest

from lims.choices import Role, SiteKind
from shipments import packing, receipt
from shipments.models import Discrepancy, Shipment, ShipmentItem
from specimens.models import Specimen
from tests.helpers import assert_problem, make_site, make_user
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db


def _state():
    return (
        chain_state(),
        list(
            ShipmentItem.objects.order_by("pk").values_list("open", "receipt_status", "received_at")
        ),
        list(Shipment.objects.order_by("pk").values_list("status", "courier", "tracking_number")),
        Discrepancy.objects.count(),
    )


def _dispatch(client, shipment, **body):
    return client.post(f"/api/v1/shipments/{shipment.code}/dispatch/", body)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"courier": "fedex", "tracking_number": "12345678901"}, "invalid_tracking_number"),
        ({"courier": "fedex", "tracking_number": "123456789012345"}, "invalid_tracking_number"),
        ({"courier": "fedex", "tracking_number": "12345678901A"}, "invalid_tracking_number"),
        ({"courier": "ups", "tracking_number": "1Z999AA1012345678"}, "invalid_tracking_number"),
        ({"courier": "ups", "tracking_number": "2Z999AA10123456784"}, "invalid_tracking_number"),
        ({"courier": "pigeon", "tracking_number": "123456789012"}, "invalid"),
        ({"courier": "fedex"}, "invalid"),
        (
            {"courier": "fedex", "tracking_number": "123456789012", "dry_ice_kg": "2"},
            "dry_ice_mass",
        ),
        ({"courier": "fedex", "tracking_number": "123456789012", "speed": "fast"}, "unknown_field"),
    ],
)
def test_bad_dispatches_are_400_and_change_nothing(
    api, phleb_north, shipment, finalized, pack, body, code
):
    pack(shipment, finalized("1ED10"))
    before = _state()
    assert_problem(_dispatch(api(phleb_north), shipment, **body), 400, code)
    assert _state() == before


def test_tracking_numbers_are_normalised(api, phleb_north, shipment, finalized, pack):
    pack(shipment, finalized("1ED10"))
    response = _dispatch(
        api(phleb_north), shipment, courier="fedex", tracking_number=" 1234 5678 9012 "
    )
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == "123456789012"


def test_an_empty_shipment_cannot_be_dispatched(api, phleb_north, shipment):
    before = _state()
    response = _dispatch(
        api(phleb_north), shipment, courier="fedex", tracking_number="123456789012"
    )
    assert_problem(response, 409, "shipment_empty")
    assert _state() == before


def test_dry_ice_needs_a_plausible_mass(api, phleb_north, north, biobank):
    # The mass is checked before the contents, so an empty dry-ice shipment shows the check.
    frozen = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="dry_ice"
    )
    client = api(phleb_north)
    before = _state()
    for mass in ({}, {"dry_ice_kg": "0"}, {"dry_ice_kg": "500"}):
        response = _dispatch(
            client, frozen, courier="fedex", tracking_number="123456789012", **mass
        )
        assert_problem(response, 400, "dry_ice_mass")
    assert _state() == before


def test_dispatching_twice_is_refused(api, phleb_north, in_transit, finalized):
    shipment = in_transit(finalized("1ED10"))
    before = _state()
    response = _dispatch(
        api(phleb_north), shipment, courier="fedex", tracking_number="123456789012"
    )
    assert_problem(response, 409, "shipment_dispatched")
    assert _state() == before


def test_dispatch_is_for_the_origin_site(api, tech, shipment, finalized, pack):
    pack(shipment, finalized("1ED10"))
    before = _state()
    response = _dispatch(api(tech), shipment, courier="fedex", tracking_number="123456789012")
    assert_problem(response, 403, "role_forbids_action")
    assert _state() == before


def test_a_held_packed_tube_blocks_dispatch_until_taken_out(
    api, phleb_north, shipment, finalized, pack
):
    from specimens import services

    tube, other = finalized("1ED10", "2ED10")
    pack(shipment, [tube, other])
    services.specimen_hold(actor=phleb_north, specimen=tube, reason="label smudged")
    before = _state()
    body = assert_problem(
        _dispatch(api(phleb_north), shipment, courier="fedex", tracking_number="123456789012"),
        409,
        "specimen_on_hold",
    )
    assert tube.barcode in body["detail"]
    assert _state() == before


def test_arrival_and_receipt_need_the_right_state(api, tech, shipment, finalized, pack):
    tube = finalized("1ED10")[0]
    pack(shipment, [tube])
    bank = api(tech)
    before = _state()
    assert_problem(
        bank.post(f"/api/v1/shipments/{shipment.code}/arrive/", {"condition_ok": True}),
        409,
        "shipment_not_dispatched",
    )
    assert_problem(
        bank.post(f"/api/v1/shipments/{shipment.code}/receive/", {"id": tube.barcode}),
        409,
        "shipment_not_arrived",
    )
    assert_problem(
        bank.post(f"/api/v1/shipments/{shipment.code}/close/"), 409, "shipment_not_arrived"
    )
    assert _state() == before


def test_arrival_is_recorded_once(api, tech, in_transit, finalized):
    shipment = in_transit(finalized("1ED10"))
    bank = api(tech)
    url = f"/api/v1/shipments/{shipment.code}/arrive/"
    assert_problem(bank.post(url, {"temperature_c": "4"}), 400, "invalid")
    assert_problem(bank.post(url, {"condition_ok": True, "temperature_c": "999"}), 400, "invalid")
    assert_problem(
        bank.post(url, {"condition_ok": True, "notes": "call jane at 555-867-5309"}),
        400,
        "possible_identifier_in_text",
    )
    assert bank.post(url, {"condition_ok": False, "notes": "outer box dented"}).status_code == 200
    before = _state()
    assert_problem(bank.post(url, {"condition_ok": True}), 409, "shipment_already_arrived")
    assert _state() == before
    shipment.refresh_from_db()
    assert shipment.arrival_condition_ok is False and shipment.arrived_by == tech
    item = ShipmentItem.objects.get(shipment=shipment)
    assert item.transit_minutes == 0


def test_receiving_at_another_biobank_is_not_possible(api, in_transit, finalized):
    other_bank = make_site("BIOBANK-2", SiteKind.BIOBANK)
    stranger = make_user("tech-2", (other_bank, Role.BIOBANK_TECHNICIAN))
    tube = finalized("1ED10")[0]
    shipment = in_transit([tube])
    before = _state()
    response = api(stranger).post(
        f"/api/v1/shipments/{shipment.code}/receive/", {"id": tube.barcode}
    )
    assert_problem(response, 404, "not_found")
    assert _state() == before


def test_a_phlebotomist_cannot_receive(api, phleb_north, tech, in_transit, finalized):
    tube = finalized("1ED10")[0]
    shipment = in_transit([tube])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    before = _state()
    response = api(phleb_north).post(
        f"/api/v1/shipments/{shipment.code}/receive/", {"id": tube.barcode}
    )
    assert_problem(response, 403, "role_forbids_action")
    assert _state() == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id": "BX0000001"}, "invalid_id_format"),
        ({"id": "BX00000019", "damaged": "maybe"}, "invalid"),
        ({}, "invalid"),
        ({"id": "BX00000019", "box": 1}, "unknown_field"),
    ],
)
def test_malformed_receive_scans_are_400(api, tech, in_transit, finalized, body, code):
    shipment = in_transit(finalized("1ED10"))
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    before = _state()
    assert_problem(api(tech).post(f"/api/v1/shipments/{shipment.code}/receive/", body), 400, code)
    assert _state() == before


def test_an_unexpected_tube_is_recorded_once_and_not_moved(api, tech, in_transit, finalized):
    shipment = in_transit(finalized("1ED10"))
    stray = finalized("2ED10")[0]
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    client = api(tech)
    for _ in range(2):
        answer = client.post(f"/api/v1/shipments/{shipment.code}/receive/", {"id": stray.barcode})
        assert answer.status_code == 200 and answer.json()["outcome"] == "unexpected"
    assert Discrepancy.objects.filter(barcode=stray.barcode, kind="unexpected").count() == 1
    assert Specimen.objects.get(pk=stray.pk).status == "collected"


def test_shipment_list_filters_and_scope(api, phleb_north, phleb_south, tech, south, biobank):
    packing.shipment_create(
        actor=phleb_south, origin=south, destination=biobank, condition="refrigerated"
    )
    north_client = api(phleb_north)
    created = north_client.post(
        "/api/v1/shipments/",
        {"origin": "SITE-NORTH", "destination": "BIOBANK", "condition": "ambient"},
    )
    assert created.status_code == 201
    assert [s["origin"] for s in north_client.get("/api/v1/shipments/").json()["results"]] == [
        "SITE-NORTH"
    ]
    bank = api(tech)
    assert bank.get("/api/v1/shipments/").json()["count"] == 2
    assert bank.get("/api/v1/shipments/?origin=SITE-SOUTH").json()["count"] == 1
    assert bank.get("/api/v1/shipments/?status=dispatched").json()["count"] == 0
    assert_problem(bank.get("/api/v1/shipments/?status=lost"), 400, "invalid")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"origin": "SITE-NORTH", "destination": "BIOBANK", "condition": "warm"}, 400, "invalid"),
        (
            {"origin": "SITE-SOUTH", "destination": "BIOBANK", "condition": "ambient"},
            400,
            "invalid",
        ),
        (
            {"origin": "SITE-NORTH", "destination": "SITE-SOUTH", "condition": "ambient"},
            400,
            "invalid_shipment_sites",
        ),
        ({"origin": "SITE-NORTH", "condition": "ambient"}, 400, "invalid"),
    ],
)
def test_bad_shipments_are_not_created(api, phleb_north, south, biobank, body, status, code):
    assert_problem(api(phleb_north).post("/api/v1/shipments/", body), status, code)
    assert Shipment.objects.count() == 0


def test_specimens_filter_by_shipment(api, phleb_north, shipment, finalized, pack):
    tubes = finalized("1ED10", "2ED10")
    pack(shipment, tubes)
    packing.shipment_remove_item(actor=phleb_north, shipment=shipment, barcode=tubes[0].barcode)
    pack(shipment, tubes[:1])
    finalized("1UR10")
    listed = api(phleb_north).get(f"/api/v1/specimens/?shipment={shipment.code}").json()
    assert sorted(row["id"] for row in listed["results"]) == sorted(t.barcode for t in tubes)


def test_a_fedex_number_that_reads_like_a_foreign_phone_is_still_a_fedex_number(
    api, phleb_north, shipment, finalized, pack
):
    pack(shipment, finalized("1ED10"))
    # "00 66 2814 0302" would be a Bangkok number dialled from abroad; 2 is its check digit.
    response = _dispatch(
        api(phleb_north), shipment, courier="fedex", tracking_number="006628140302"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == "006628140302"


def test_an_other_couriers_tracking_text_is_screened(api, phleb_north, shipment, finalized, pack):
    pack(shipment, finalized("1ED10"))
    before = _state()
    response = _dispatch(
        api(phleb_north), shipment, courier="other", tracking_number="call 617-555-0143"
    )
    assert_problem(response, 400, "possible_identifier_in_text")
    assert _state() == before

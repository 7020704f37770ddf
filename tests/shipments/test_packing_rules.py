"""Packing refuses every tube that must not travel, with a clear problem and nothing changed."""

import pytest
from django.utils import timezone

from lims.choices import Role
from shipments import packing
from shipments.models import Shipment, ShipmentItem
from specimens import services
from specimens.models import Specimen
from tests.helpers import assert_problem, make_user
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db


def _state():
    return (
        chain_state(),
        list(ShipmentItem.objects.order_by("pk").values_list("open", "receipt_status")),
        list(Shipment.objects.order_by("pk").values_list("status", flat=True)),
    )


def _pack(client, shipment, barcode, **extra):
    return client.post(f"/api/v1/shipments/{shipment.code}/items/", {"id": barcode, **extra})


@pytest.fixture
def site_client(api, phleb_north):
    return api(phleb_north)


def test_a_held_tube_is_refused(site_client, shipment, finalized, phleb_north):
    tube = finalized("1ED10")[0]
    services.specimen_hold(actor=phleb_north, specimen=tube, reason="label smudged")
    before = _state()
    assert_problem(_pack(site_client, shipment, tube.barcode), 409, "specimen_on_hold")
    assert _state() == before


def test_a_tube_of_a_participant_who_asked_for_destruction_is_refused(
    site_client, shipment, finalized, phleb_north
):
    tube = finalized("1ED10")[0]
    services.participant_withdraw(
        actor=phleb_north,
        participant=tube.participant,
        reason="withdrew",
        destroy_samples=True,
        ceremony="no",
    )
    before = _state()
    assert_problem(_pack(site_client, shipment, tube.barcode), 409, "specimen_on_hold")
    assert _state() == before


def test_a_withdrawn_participant_who_kept_samples_still_ships(
    site_client, shipment, finalized, phleb_north
):
    tube = finalized("1ED10")[0]
    services.participant_withdraw(
        actor=phleb_north,
        participant=tube.participant,
        reason="withdrew",
        destroy_samples=False,
        ceremony="no",
    )
    assert _pack(site_client, shipment, tube.barcode).status_code == 201


def test_a_tube_of_an_unfinalized_order_is_refused(site_client, shipment, finalized):
    tube = finalized("1ED10", finalize=False)[0]
    before = _state()
    body = assert_problem(_pack(site_client, shipment, tube.barcode), 409, "order_not_finalized")
    assert tube.order.code in body["detail"]
    assert _state() == before


def test_a_tube_of_another_site_is_unknown(site_client, shipment, finalized, south, phleb_south):
    tube = finalized("1ED10", site=south, who=phleb_south)[0]
    before = _state()
    assert_problem(_pack(site_client, shipment, tube.barcode), 404, "not_found")
    assert _state() == before


def test_a_tube_held_elsewhere_is_refused_for_someone_at_both_sites(
    api, north, south, biobank, finalized, phleb_south
):
    both = make_user("both", (north, Role.PHLEBOTOMIST), (south, Role.PHLEBOTOMIST))
    tube = finalized("1ED10", site=south, who=phleb_south)[0]
    shipment = packing.shipment_create(
        actor=both, origin=north, destination=biobank, condition="refrigerated"
    )
    before = _state()
    assert_problem(_pack(api(both), shipment, tube.barcode), 409, "tube_not_at_origin")
    assert _state() == before


def test_a_tube_in_another_open_shipment_names_it(
    site_client, shipment, finalized, phleb_north, north, biobank
):
    tube = finalized("1ED10")[0]
    assert _pack(site_client, shipment, tube.barcode).status_code == 201
    second = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    before = _state()
    body = assert_problem(_pack(site_client, second, tube.barcode), 409, "already_in_shipment")
    assert f"belongs to shipment {shipment.code}, packing" in body["detail"]
    again = assert_problem(_pack(site_client, shipment, tube.barcode), 409, "already_in_shipment")
    assert shipment.code in again["detail"]
    assert _state() == before


def test_the_database_refuses_a_second_open_shipment_for_a_tube(
    shipment, finalized, pack, phleb_north, north, biobank
):
    from django.db import IntegrityError, transaction

    tube = finalized("1ED10")[0]
    pack(shipment, [tube])
    other = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    item = ShipmentItem.objects.get(specimen=tube)
    item.pk, item.shipment = None, other
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def _slipping_in(monkeypatch, row):
    """Another writer's ``row()`` is saved after the service's checks, before its insert."""
    real = packing.transition

    def transition_then_write(*args, **kwargs):
        events = real(*args, **kwargs)
        row().save()
        return events

    monkeypatch.setattr(packing, "transition", transition_then_write)


def test_a_tube_packed_elsewhere_behind_the_checks_is_refused_by_the_constraint(
    site_client, shipment, finalized, phleb_north, north, biobank, monkeypatch
):
    tube = finalized("1ED10")[0]
    other = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    before = _state()
    _slipping_in(
        monkeypatch,
        lambda: ShipmentItem(
            shipment=other, specimen=tube, added_by=phleb_north, added_at=timezone.now()
        ),
    )
    body = assert_problem(_pack(site_client, shipment, tube.barcode), 409, "already_in_shipment")
    assert tube.barcode in body["detail"]
    assert _state() == before


def test_a_position_taken_behind_the_checks_is_refused_by_the_constraint(
    site_client, shipment, finalized, phleb_north, monkeypatch
):
    first, second = finalized("1ED10", "2ED10")
    before = _state()
    _slipping_in(
        monkeypatch,
        lambda: ShipmentItem(
            shipment=shipment,
            specimen=second,
            inner_box=1,
            position="B2",
            added_by=phleb_north,
            added_at=timezone.now(),
        ),
    )
    body = assert_problem(
        _pack(site_client, shipment, first.barcode, inner_box=1, position="B2"),
        409,
        "position_taken",
    )
    assert "was just taken" in body["detail"]
    assert _state() == before


def test_a_disposed_tube_is_refused(site_client, shipment, finalized, phleb_north):
    from tests.helpers import PASSWORD, password_check

    tube = finalized("1ED10")[0]
    services.specimen_dispose(
        actor=phleb_north,
        specimen=tube,
        reason="damaged",
        password=PASSWORD,
        check=password_check(),
    )
    before = _state()
    assert_problem(_pack(site_client, shipment, tube.barcode), 409, "specimen_disposed")
    assert _state() == before


def test_a_tube_that_cannot_travel_in_the_condition_is_refused(
    site_client, finalized, phleb_north, north, biobank
):
    frozen = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="dry_ice"
    )
    tube = finalized("1ED10")[0]
    before = _state()
    body = assert_problem(_pack(site_client, frozen, tube.barcode), 409, "incompatible_condition")
    assert "1ED10" in body["detail"] and "Refrigerated" in body["detail"]
    assert _state() == before


def test_saliva_may_travel_ambient(site_client, finalized, phleb_north, north, biobank):
    ambient = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="ambient"
    )
    assert _pack(site_client, ambient, finalized("1SAL")[0].barcode).status_code == 201


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"position": "A1"}, 400, "invalid_position"),
        ({"inner_box": 1, "position": "A-1"}, 400, "invalid_position"),
        ({"inner_box": 0}, 400, "invalid"),
        ({"colour": "red"}, 400, "unknown_field"),
    ],
)
def test_malformed_positions_are_refused(site_client, shipment, finalized, extra, status, code):
    tube = finalized("1ED10")[0]
    before = _state()
    assert_problem(_pack(site_client, shipment, tube.barcode, **extra), status, code)
    assert _state() == before


def test_a_taken_position_is_refused(site_client, shipment, finalized):
    first, second = finalized("1ED10", "2ED10")
    assert (
        _pack(site_client, shipment, first.barcode, inner_box=2, position="a1").status_code == 201
    )
    before = _state()
    body = assert_problem(
        _pack(site_client, shipment, second.barcode, inner_box=2, position="A1"),
        409,
        "position_taken",
    )
    assert "A1" in body["detail"]
    assert _state() == before


@pytest.mark.parametrize(
    ("barcode", "code"),
    [("BX0000001", "invalid_id_format"), ("", "invalid")],
)
def test_malformed_ids_are_400(site_client, shipment, barcode, code):
    before = _state()
    assert_problem(_pack(site_client, shipment, barcode), 400, code)
    assert _state() == before


def test_a_wrong_check_character_is_named(site_client, shipment, finalized):
    tube = finalized("1ED10")[0]
    wrong = tube.barcode[:-1] + ("A" if tube.barcode[-1] != "A" else "B")
    before = _state()
    assert_problem(_pack(site_client, shipment, wrong), 400, "invalid_check_character")
    assert _state() == before


def test_a_technician_cannot_pack(api, tech, shipment, finalized):
    tube = finalized("1ED10")[0]
    before = _state()
    assert_problem(_pack(api(tech), shipment, tube.barcode), 403, "role_forbids_action")
    assert _state() == before


def test_unpacking_a_tube_not_in_the_shipment_is_404(site_client, shipment, finalized):
    tube = finalized("1ED10")[0]
    before = _state()
    response = site_client.delete(f"/api/v1/shipments/{shipment.code}/items/{tube.barcode}/")
    assert_problem(response, 404, "not_in_shipment")
    assert _state() == before


def test_a_held_tube_can_still_be_taken_out(site_client, shipment, finalized, pack, phleb_north):
    tube = finalized("1ED10")[0]
    pack(shipment, [tube])
    services.specimen_hold(actor=phleb_north, specimen=tube, reason="recheck label")
    response = site_client.delete(f"/api/v1/shipments/{shipment.code}/items/{tube.barcode}/")
    assert response.status_code == 200, response.content
    tube.refresh_from_db()
    assert tube.status == "collected" and tube.on_hold


def test_cancelling_puts_every_tube_back(site_client, shipment, finalized, pack):
    tubes = finalized("1SST8", "1ED10")
    pack(shipment, tubes)
    refused = site_client.post(f"/api/v1/shipments/{shipment.code}/cancel/", {})
    assert_problem(refused, 400, "reason_required")
    response = site_client.post(
        f"/api/v1/shipments/{shipment.code}/cancel/", {"reason": "courier did not come"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    statuses = dict(
        Specimen.objects.filter(pk__in=[t.pk for t in tubes]).values_list("type__code", "status")
    )
    assert statuses == {"1SST8": "processed", "1ED10": "collected"}
    assert not ShipmentItem.objects.filter(shipment=shipment, open=True).exists()
    late = _pack(site_client, shipment, tubes[0].barcode)
    assert_problem(late, 409, "shipment_cancelled")

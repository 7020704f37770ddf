"""Placing, moving, checking out and returning tubes: custody, history and the slot rules."""

import pytest

from freezers.models import Placement
from lims import notes
from specimens.models import CustodyEvent, Specimen
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def place(client, specimen, box, position="A1"):
    return client.post(
        "/api/v1/storage/place", {"id": specimen.barcode, "box": box.code, "position": position}
    )


def last_event(specimen) -> CustodyEvent:
    return CustodyEvent.objects.filter(specimen=specimen).order_by("-seq").first()


def test_placing_an_aliquot_stores_it_with_custody_and_history(api, tech, aliquot, box):
    response = place(api(tech), aliquot, box, "a01")
    assert response.status_code == 201, response.content
    path = f"BIOBANK/FRZ-80-A/R1/{box.code}/A1"
    assert response.json() | {"checked_out_at": None} == {
        "id": aliquot.barcode,
        "box": box.code,
        "position": "A1",
        "path": path,
        "status": "stored",
        "checked_out": False,
        "checked_out_at": None,
        "freeze_thaw_count": 0,
    }
    event = last_event(aliquot)
    assert (event.kind, event.ref, event.site.code, event.actor) == (
        "stored",
        box.code,
        "BIOBANK",
        tech,
    )
    assert event.details == {"box": box.code, "position": "A1", "path": path}
    placement = Placement.objects.get(specimen=aliquot)
    record = placement.history.get()
    assert (record.history_user, notes.reason(record)) == (tech, f"stored at {path}")
    stored = Specimen.objects.get(pk=aliquot.pk)
    assert stored.status == "stored"
    assert stored.history.latest().history_user == tech


def test_the_specimen_shows_its_storage_path(api, tech, aliquot, box):
    place(api(tech), aliquot, box, "B3")
    body = api(tech).get(f"/api/v1/specimens/{aliquot.barcode}/").json()
    assert body["storage"] == {
        "box": box.code,
        "position": "B3",
        "path": f"BIOBANK/FRZ-80-A/R1/{box.code}/B3",
        "checked_out": False,
        "freeze_thaw_count": 0,
    }
    listed = api(tech).get(f"/api/v1/specimens/?box={box.code}").json()
    assert [row["id"] for row in listed["results"]] == [aliquot.barcode]


def test_an_unstored_tube_has_no_storage(api, tech, aliquot):
    assert api(tech).get(f"/api/v1/specimens/{aliquot.barcode}/").json()["storage"] is None


def test_a_taken_slot_is_409_naming_the_occupant(api, tech, aliquots, box):
    first, second = aliquots(2)
    place(api(tech), first, box, "C2")
    body = assert_problem(place(api(tech), second, box, "C2"), 409, "slot_occupied")
    assert body["occupant"] == first.barcode and first.barcode in body["detail"]
    assert Specimen.objects.get(pk=second.pk).status == "received"
    assert not Placement.objects.filter(specimen=second).exists()


def test_a_stored_tube_is_placed_once(api, tech, aliquot, box):
    place(api(tech), aliquot, box, "A1")
    body = assert_problem(place(api(tech), aliquot, box, "A2"), 409, "already_placed")
    assert "storage/move" in body["detail"]


def test_moving_keeps_the_record_of_both_slots(api, tech, aliquot, box, make_box, ultra):
    other = make_box(ultra, "10x10", rack="R2")
    place(api(tech), aliquot, box, "A1")
    response = api(tech).post(
        "/api/v1/storage/move", {"id": aliquot.barcode, "box": other.code, "position": "J10"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["path"] == f"BIOBANK/FRZ-80-A/R2/{other.code}/J10"
    event = last_event(aliquot)
    assert event.kind == "moved"
    assert event.details["from"]["path"].endswith(f"{box.code}/A1")
    assert event.details["to"]["path"].endswith(f"{other.code}/J10")
    slots = [
        (h.box_id, h.row, h.column)
        for h in Placement.objects.get(specimen=aliquot).history.order_by("history_date")
    ]
    assert slots == [(box.pk, 1, 1), (other.pk, 10, 10)]
    # The old slot is free again.
    assert place(api(tech), *_second(aliquot), box, "A1").status_code == 201


def _second(aliquot):
    from specimens import services

    sibling = services.specimen_aliquot(
        actor=aliquot.history.first().history_user,
        specimen=aliquot.parent,
        count=1,
        type_code="WBLD",
        volume_ul=100,
    )
    return sibling


def test_retrieve_reserves_the_slot_and_return_counts_a_thaw(api, tech, aliquots, box):
    tube, other = aliquots(2)
    client = api(tech)
    place(client, tube, box, "D4")
    response = client.post(
        "/api/v1/storage/retrieve", {"id": tube.barcode, "reason": "aliquot for assay"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["checked_out"] is True
    assert Specimen.objects.get(pk=tube.pk).status == "checked_out"
    retrieved = last_event(tube)
    assert (retrieved.kind, notes.read(retrieved.details)["reason"]) == (
        "retrieved",
        "aliquot for assay",
    )
    body = assert_problem(place(client, other, box, "D4"), 409, "slot_occupied")
    assert body["reserved"] is True and "checked out" in body["detail"]
    shown = client.get(f"/api/v1/specimens/{tube.barcode}/").json()["storage"]
    assert shown["checked_out"] is True and shown["position"] == "D4"

    response = client.post("/api/v1/storage/return", {"id": tube.barcode})
    assert response.status_code == 200, response.content
    assert response.json() | {"checked_out_at": None} == {
        "id": tube.barcode,
        "box": box.code,
        "position": "D4",
        "path": f"BIOBANK/FRZ-80-A/R1/{box.code}/D4",
        "status": "stored",
        "checked_out": False,
        "checked_out_at": None,
        "freeze_thaw_count": 1,
    }
    returned = last_event(tube)
    assert (returned.kind, returned.details["freeze_thaw_count"]) == ("returned", 1)
    history = Placement.objects.get(specimen=tube).history.order_by("history_date")
    assert [notes.reason(h) for h in history][-2:] == [
        "aliquot for assay",
        f"returned to BIOBANK/FRZ-80-A/R1/{box.code}/D4",
    ]


def test_return_to_another_slot_frees_the_reserved_one(api, tech, aliquot, box):
    client = api(tech)
    place(client, aliquot, box, "A1")
    client.post("/api/v1/storage/retrieve", {"id": aliquot.barcode, "reason": "thaw"})
    response = client.post(
        "/api/v1/storage/return", {"id": aliquot.barcode, "box": box.code, "position": "I9"}
    )
    assert response.json()["position"] == "I9"
    event = last_event(aliquot)
    assert event.details["reserved"].endswith("/A1") and event.details["path"].endswith("/I9")
    assert not Placement.objects.filter(box=box, row=1, column=1).exists()


def test_placing_a_checked_out_tube_returns_it_there(api, tech, aliquot, box):
    client = api(tech)
    place(client, aliquot, box, "A1")
    client.post("/api/v1/storage/retrieve", {"id": aliquot.barcode, "reason": "thaw"})
    response = place(client, aliquot, box, "B1")
    assert response.status_code == 201
    assert response.json()["freeze_thaw_count"] == 1
    assert last_event(aliquot).kind == "returned"


def test_checked_out_tubes_past_the_follow_up_time_are_listed(api, tech, aliquot, box):
    client = api(tech)
    place(client, aliquot, box, "A1")
    client.post("/api/v1/storage/retrieve", {"id": aliquot.barcode, "reason": "thaw"})
    assert client.get("/api/v1/storage/checked-out/").json()["count"] == 0
    listed = client.get("/api/v1/storage/checked-out/?older_than_hours=0").json()
    assert [row["id"] for row in listed["results"]] == [aliquot.barcode]
    assert_problem(client.get("/api/v1/storage/checked-out/?older_than_hours=x"), 400, "invalid")


def test_the_follow_up_time_is_a_setting(api, tech, aliquot, box, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    client = api(tech)
    place(client, aliquot, box, "A1")
    client.post("/api/v1/storage/retrieve", {"id": aliquot.barcode, "reason": "thaw"})
    settings.LIMS_CHECKOUT_FOLLOW_UP_HOURS = 2
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get("/api/v1/storage/checked-out/").json()["count"] == 1
    settings.LIMS_CHECKOUT_FOLLOW_UP_HOURS = 4
    assert client.get("/api/v1/storage/checked-out/").json()["count"] == 0


def test_a_slot_of_a_disposed_tube_is_given_to_the_next(api, tech, aliquots, box):
    from specimens.lifecycle import transition

    gone, new = aliquots(2)
    place(api(tech), gone, box, "A1")
    transition(Specimen.objects.lock(gone)[0], "disposed", actor=tech, reason="test")
    assert place(api(tech), new, box, "A1").status_code == 201
    vacated = Placement.objects.get(specimen=gone)
    assert vacated.box is None and vacated.vacated_at is not None
    assert notes.reason(vacated.history.latest()) == f"slot freed: {gone.barcode} is disposed"


def test_a_scanner_retrying_a_placement_is_answered_once(api, tech, aliquot, box):
    client = api(tech)
    payload = {"id": aliquot.barcode, "box": box.code, "position": "F6"}
    first = client.post("/api/v1/storage/place", payload, HTTP_IDEMPOTENCY_KEY="bench-1:42")
    again = client.post("/api/v1/storage/place", payload, HTTP_IDEMPOTENCY_KEY="bench-1:42")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert CustodyEvent.objects.filter(specimen=aliquot, kind="stored").count() == 1

"""Auto-allocation: fill_first, split_participant, all-or-nothing, and storage/free."""

import pytest

from freezers.models import Placement
from lims import notes
from specimens.models import CustodyEvent, Specimen
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def allocate(client, tubes, **options):
    return client.post(
        "/api/v1/storage/allocate", {"ids": [t.barcode for t in tubes], **options}, format="json"
    )


def place(client, tube, box, position):
    response = client.post(
        "/api/v1/storage/place", {"id": tube.barcode, "box": box.code, "position": position}
    )
    assert response.status_code == 201, response.content


def test_fill_first_finishes_the_least_empty_box_in_fill_order(
    api, tech, ultra, make_box, aliquots
):
    empty, started = make_box(ultra), make_box(ultra)
    first, second, *batch = aliquots(7)
    place(api(tech), first, started, "A1")
    place(api(tech), second, started, "A3")
    response = allocate(api(tech), batch, strategy="fill_first")
    assert response.status_code == 201, response.content
    slots = [(row["box"], row["position"]) for row in response.json()]
    assert slots == [(started.code, p) for p in ("A2", "A4", "A5", "A6", "A7")]
    assert not Placement.objects.filter(box=empty).exists()
    assert set(
        Specimen.objects.filter(pk__in=[t.pk for t in batch]).values_list("status", flat=True)
    ) == {"stored"}
    event = CustodyEvent.objects.filter(specimen=batch[0]).latest("seq")
    assert (event.kind, event.ref, event.details["strategy"]) == (
        "stored",
        started.code,
        "fill_first",
    )
    assert event.details["path"] == f"BIOBANK/FRZ-80-A/R1/{started.code}/A2"
    record = Placement.objects.get(specimen=batch[0]).history.get()
    assert (record.history_user, notes.reason(record)) == (tech, "allocated (fill_first)")


def test_fill_first_spills_into_the_next_box_and_follows_column_order(
    api, tech, ultra, make_box, aliquots
):
    columns = make_box(ultra, "8x12-col")
    nine = make_box(ultra, "9x9", rack="R2")
    response = allocate(api(tech), aliquots(90), temperature_class="ultra_cold")
    assert response.status_code == 201, response.content
    rows = response.json()
    # Both empty: the 9x9 has fewer free slots, so it fills first; the rest go column-wise.
    assert [row["box"] for row in rows[:81]] == [nine.code] * 81
    spilled = [row["position"] for row in rows if row["box"] == columns.code]
    assert spilled == ["A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "A2"]


def test_not_enough_room_is_409_with_the_missing_count_and_nothing_placed(
    api, tech, ultra, make_box, aliquots
):
    make_box(ultra, "bag-50")
    tubes = aliquots(53)
    before = storage_state()
    body = assert_problem(allocate(api(tech), tubes), 409, "insufficient_space")
    assert body["missing"] == 3 and "3 more free slots" in body["detail"]
    assert storage_state() == before


def test_split_participant_spreads_one_participants_tubes_over_two_freezers(
    api, tech, make_freezer, make_box, aliquots
):
    north_box = make_box(make_freezer("FRZ-80-A"))
    south_box = make_box(make_freezer("FRZ-80-B"))
    tubes = aliquots(4)
    response = allocate(api(tech), tubes, strategy="split_participant")
    assert response.status_code == 201, response.content
    boxes = [row["box"] for row in response.json()]
    assert sorted(boxes) == sorted([north_box.code] * 2 + [south_box.code] * 2)


def test_split_participant_counts_the_tubes_already_stored(
    api, tech, make_freezer, make_box, aliquots
):
    a_box = make_box(make_freezer("FRZ-80-A"))
    b_box = make_box(make_freezer("FRZ-80-B"))
    stored, *batch = aliquots(4)
    place(api(tech), stored, a_box, "A1")
    response = allocate(api(tech), batch, strategy="split_participant")
    boxes = sorted(row["box"] for row in response.json())
    # Two in each freezer in the end: the first new tube goes to the freezer holding none.
    assert boxes == sorted([a_box.code, b_box.code, b_box.code])


def test_split_participant_needs_a_second_freezer(api, tech, box, aliquots):
    tubes = aliquots(2)
    before = storage_state()
    body = assert_problem(
        allocate(api(tech), tubes, strategy="split_participant"), 409, "cannot_split_participant"
    )
    assert "one freezer" in body["detail"]
    assert storage_state() == before


def test_free_answers_where_tubes_would_go_without_placing(api, tech, box):
    before = storage_state()
    response = api(tech).get("/api/v1/storage/free?temperature_class=ultra_cold&count=3")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "count": 3,
        "slots": [
            {"box": box.code, "position": p, "path": f"BIOBANK/FRZ-80-A/R1/{box.code}/{p}"}
            for p in ("A1", "A2", "A3")
        ],
    }
    assert storage_state() == before
    body = assert_problem(
        api(tech).get("/api/v1/storage/free?temperature_class=ultra_cold&count=82"),
        409,
        "insufficient_space",
    )
    assert body["missing"] == 1


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("temperature_class=ultra_cold", "invalid"),
        ("temperature_class=lukewarm&count=1", "invalid"),
        ("temperature_class=ultra_cold&count=0", "invalid"),
        ("count=1", "invalid"),
        ("freezer=FRZ-80-A&temperature_class=ultra_cold&count=1", "invalid"),
        ("temperature_class=ultra_cold&count=1&colour=red", "unknown_field"),
    ],
)
def test_free_refuses_bad_queries(api, tech, box, query, code):
    assert_problem(api(tech).get(f"/api/v1/storage/free?{query}"), 400, code)


def test_free_of_an_unknown_freezer_is_404(api, tech, box):
    assert_problem(
        api(tech).get("/api/v1/storage/free?freezer=FRZ-X&count=1"), 404, "unknown_freezer"
    )


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"ids": []}, 400, "invalid"),
        ({"ids": ["{a}", "{a}"]}, 400, "duplicate_ids"),
        ({"ids": ["{a}"], "strategy": "random"}, 400, "invalid"),
        (
            {"ids": ["{a}"], "freezer": "FRZ-80-A", "temperature_class": "ultra_cold"},
            400,
            "invalid",
        ),
        ({"ids": ["{a}"], "freezer": "FRZ-NONE"}, 404, "unknown_freezer"),
        ({"ids": ["{a}"], "temperature_class": "frozen"}, 409, "wrong_temperature_class"),
        ({"ids": ["{a}", "{primary}"]}, 400, "mixed_temperature_classes"),
        ({"ids": ["{a}", "{stored}"]}, 409, "transition_not_allowed"),
        ({"ids": ["{a}"], "boxes": 2}, 400, "unknown_field"),
        ({"ids": ["BX0000001X"]}, 400, "invalid_check_character"),
    ],
)
def test_bad_allocations_change_nothing(api, tech, box, aliquots, received, payload, status, code):
    a, stored = aliquots(2)
    place(api(tech), stored, box, "I9")
    values = {"a": a.barcode, "stored": stored.barcode, "primary": received().barcode}
    payload = {
        key: [item.format(**values) for item in value] if key == "ids" else value
        for key, value in payload.items()
    }
    before = storage_state()
    response = api(tech).post("/api/v1/storage/allocate", payload, format="json")
    assert_problem(response, status, code)
    assert storage_state() == before


def test_a_freezer_out_of_service_offers_no_room(api, tech, biobank_admin, ultra, box, aliquot):
    from freezers.services import freezer_set_status

    freezer_set_status(actor=biobank_admin, freezer=ultra, status="out_of_service", reason="alarm")
    before = storage_state()
    url = f"/api/v1/storage/free?freezer={ultra.code}&count=1"
    assert_problem(api(tech).get(url), 409, "freezer_unavailable")
    response = allocate(api(tech), [aliquot], freezer=ultra.code)
    assert_problem(response, 409, "freezer_unavailable")
    # Nor does allocation by class find its boxes.
    assert_problem(allocate(api(tech), [aliquot]), 409, "insufficient_space")
    assert storage_state() == before

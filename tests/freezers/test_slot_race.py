"""Two technicians racing for one slot: the database decides, one wins, the other gets a 409."""

import pytest
from django.db import connection

from freezers import services
from freezers.models import Placement
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem, client_for, race

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and concurrent writers"
)


@pytest.fixture
def skip_the_check(monkeypatch):
    """Leave the slot to the unique constraint alone, as when both read it empty at once."""
    monkeypatch.setattr(services, "claim_slot", lambda *args, **kwargs: None)


@pytest.mark.django_db
def test_the_constraint_decides_when_the_check_saw_an_empty_slot(
    api, tech, box, aliquots, skip_the_check
):
    first, second = aliquots(2)
    client = api(tech)
    payload = {"box": box.code, "position": "E5"}
    assert client.post("/api/v1/storage/place", {"id": first.barcode, **payload}).status_code == 201
    before = storage_state()
    body = assert_problem(
        client.post("/api/v1/storage/place", {"id": second.barcode, **payload}),
        409,
        "slot_occupied",
    )
    assert body["occupant"] == first.barcode
    assert storage_state() == before


@pytest.mark.postgres_only
@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("check", ["checked", "constraint only"])
def test_two_technicians_placing_into_one_slot_get_one_success_and_one_409(
    request, tube_catalog, tech, make_user_tech, box, aliquots, check
):
    if check == "constraint only":
        request.getfixturevalue("skip_the_check")
    clients = [client_for(tech), client_for(make_user_tech)]
    for position in ("A1", "B2", "C3", "D4"):
        tubes = aliquots(2)
        answers = race(
            [
                lambda client=client, tube=tube, position=position: client.post(
                    "/api/v1/storage/place",
                    {"id": tube.barcode, "box": box.code, "position": position},
                )
                for client, tube in zip(clients, tubes, strict=True)
            ]
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409], [getattr(a, "content", a) for a in answers]
        winner = next(a for a in answers if a.status_code == 201).json()["id"]
        loser = assert_problem(
            next(a for a in answers if a.status_code == 409), 409, "slot_occupied"
        )
        assert loser["occupant"] == winner and winner in loser["detail"]
        held = Placement.objects.filter(box=box, row=ord(position[0]) - 64, column=int(position[1]))
        assert [p.specimen.barcode for p in held] == [winner]
        loser_tube = next(t for t in tubes if t.barcode != winner)
        assert not Placement.objects.filter(specimen=loser_tube).exists()


@pytest.mark.postgres_only
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_share_a_box_without_clashing(
    tube_catalog, tech, make_user_tech, box, aliquots
):
    batches = [aliquots(20), aliquots(20)]
    users = [tech, make_user_tech]
    answers = race(
        [
            lambda user=user, batch=batch: client_for(user).post(
                "/api/v1/storage/allocate", {"ids": [t.barcode for t in batch]}, format="json"
            )
            for user, batch in zip(users, batches, strict=True)
        ]
    )
    assert [answer.status_code for answer in answers] == [201, 201]
    slots = list(Placement.objects.filter(box=box).values_list("row", "column"))
    assert len(slots) == len(set(slots)) == 40

"""A database refusal is told by the constraint's name: a taken name or slot is a 409 that says
which, a planned slot taken meanwhile is planned again, any other refusal is not disguised."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from freezers import allocation, services
from freezers.models import Freezer, Placement, Rack
from lims.integrity import broken_constraint
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def refusal(instance) -> str | None:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        instance.save()
    return broken_constraint(caught.value, instance)


def test_each_refusal_is_named_by_its_constraint(ultra, box):
    rack = ultra.racks.get()
    same_name = Rack(freezer=ultra, name=rack.name, kind="rack", position=rack.position + 1)
    same_position = Rack(freezer=ultra, name="R9", kind="rack", position=rack.position)
    copy = Freezer.objects.get(pk=ultra.pk)
    copy.pk, copy.tolerance_c = None, Decimal("0")
    assert refusal(same_name) == "rack_name_unique"
    assert refusal(same_position) == "rack_position_unique"
    assert refusal(copy) == "freezer_tolerance_pos"
    copy.tolerance_c = Decimal("5")
    assert refusal(copy) == "code"


@pytest.mark.parametrize(
    ("path", "payload", "detail"),
    [
        ("freezers/", {"code": "FRZ-80-A"}, "Freezer code FRZ-80-A is already in use."),
        ("racks/", {"name": "R1", "position": 7}, "FRZ-80-A already has a rack R1."),
        ("racks/", {"name": "R7", "position": 1}, "Position 1 of FRZ-80-A holds a rack."),
        ("boxes/", {"rack": "R1", "type": "9x9", "position": 1}, "Slot 1 of R1 holds a box."),
    ],
)
def test_a_taken_code_name_or_slot_says_which(api, biobank_admin, box, path, payload, detail):
    given = {
        "freezers/": {
            "name": "Another",
            "site": "BIOBANK",
            "kind": "upright_minus80",
            "temperature_class": "ultra_cold",
            "set_point_c": "-80",
        },
        "racks/": {"freezer": "FRZ-80-A"},
        "boxes/": {"freezer": "FRZ-80-A"},
    }[path]
    before = storage_state()
    response = api(biobank_admin).post(f"/api/v1/{path}", {**given, **payload})
    assert assert_problem(response, 409, "code_taken")["detail"] == detail
    assert storage_state() == before


def test_a_refusal_other_than_a_taken_name_is_not_called_one(biobank, biobank_admin, ultra):
    with pytest.raises(IntegrityError):
        services.freezer_create(
            actor=biobank_admin,
            site=biobank,
            code="FRZ-80-B",
            name="Bad band",
            kind="upright_minus80",
            temperature_class="ultra_cold",
            set_point_c="-80",
            tolerance_c=Decimal("0"),
        )
    assert not Freezer.objects.filter(code="FRZ-80-B").exists()


def test_an_allocation_whose_planned_slot_was_taken_plans_again(
    api, tech, box, aliquots, monkeypatch
):
    first, *batch = aliquots(3)
    slot = {"box": box.code, "position": "A1"}
    assert api(tech).post("/api/v1/storage/place", {"id": first.barcode, **slot}).status_code == 201
    real_plan, plans = allocation.plan, []

    def stale_then_real(where, specimens, strategy):
        # The first plan was made before ``first`` took A1, as by a concurrent allocation.
        plans.append(strategy)
        if len(plans) == 1:
            return [(box, 1, 1), *real_plan(where, specimens, strategy)[1:]]
        return real_plan(where, specimens, strategy)

    monkeypatch.setattr(allocation, "plan", stale_then_real)
    response = api(tech).post(
        "/api/v1/storage/allocate", {"ids": [t.barcode for t in batch]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert len(plans) == 2
    assert [row["position"] for row in response.json()] == ["A2", "A3"]
    placed = Placement.objects.filter(box=box).values_list("row", "column")
    assert sorted(placed) == [(1, 1), (1, 2), (1, 3)]

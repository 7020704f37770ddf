"""Freezers, racks and boxes through the API: who may add them, what they answer, bad input."""

import pytest

from freezers.models import Box, Freezer
from lims import notes
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

FREEZER = {
    "code": "FRZ-80-09",
    "name": "Upright 9",
    "site": "BIOBANK",
    "kind": "upright_minus80",
    "temperature_class": "ultra_cold",
    "set_point_c": "-80.0",
    "reason": "new freezer installed",
}


def test_a_site_admin_adds_a_freezer_then_racks_and_boxes(api, biobank_admin, tech, box_types):
    response = api(biobank_admin).post("/api/v1/freezers/", FREEZER)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "code": "FRZ-80-09",
        "name": "Upright 9",
        "site": "BIOBANK",
        "kind": "upright_minus80",
        "temperature_class": "ultra_cold",
        "set_point_c": "-80.0",
        "tolerance_c": "5.0",
        "status": "active",
    }
    record = Freezer.objects.get(code="FRZ-80-09").history.get()
    assert (record.history_user, notes.reason(record)) == (
        biobank_admin,
        "new freezer installed",
    )
    rack = api(tech).post(
        "/api/v1/racks/", {"freezer": "FRZ-80-09", "name": "R1", "box_rows": 2, "box_columns": 2}
    )
    assert rack.status_code == 201 and rack.json()["position"] == 1
    made = [
        api(tech).post("/api/v1/boxes/", {"freezer": "FRZ-80-09", "rack": "R1", "type": "9x9"})
        for _ in range(4)
    ]
    assert [m.json()["position"] for m in made] == [1, 2, 3, 4]
    code = made[0].json()["code"]
    assert code.startswith("BOX-") and len(code) == 11
    assert Box.objects.get(code=code).history.get().history_user == tech
    full = api(tech).post("/api/v1/boxes/", {"freezer": "FRZ-80-09", "rack": "R1", "type": "9x9"})
    assert_problem(full, 409, "rack_full")
    listed = api(tech).get("/api/v1/boxes/?rack__freezer__code=FRZ-80-09").json()
    assert listed["count"] == 4
    assert api(tech).get(f"/api/v1/boxes/{code}/").json()["path"] == f"BIOBANK/FRZ-80-09/R1/{code}"


def test_status_changes_take_a_reason_and_keep_history(api, biobank_admin, tech, ultra):
    url = f"/api/v1/freezers/{ultra.code}/status/"
    assert_problem(api(biobank_admin).post(url, {"status": "defrosting"}), 400, "reason_required")
    assert_problem(
        api(tech).post(url, {"status": "defrosting", "reason": "ice"}), 403, "role_forbids_action"
    )
    response = api(biobank_admin).post(url, {"status": "defrosting", "reason": "ice build-up"})
    assert response.json()["status"] == "defrosting"
    assert notes.reason(ultra.history.latest()) == "ice build-up"


def test_other_sites_see_no_freezers(api, phleb_north, ultra, box):
    assert api(phleb_north).get("/api/v1/freezers/").json()["count"] == 0
    assert api(phleb_north).get("/api/v1/boxes/").json()["count"] == 0
    assert_problem(api(phleb_north).get(f"/api/v1/freezers/{ultra.code}/"), 404, "not_found")
    assert_problem(
        api(phleb_north).get(f"/api/v1/freezers/{ultra.code}/occupancy/"), 404, "not_found"
    )


def test_the_box_types_are_listed(api, tech, box_types):
    codes = [row["code"] for row in api(tech).get("/api/v1/box-types/").json()["results"]]
    assert {"9x9", "10x10", "8x12", "bag-50"} <= set(codes)


@pytest.mark.parametrize(
    ("path", "payload", "status", "code"),
    [
        ("freezers/", {**FREEZER, "code": "frz 1"}, 400, "invalid"),
        ("freezers/", {**FREEZER, "code": "FRZ-80-A"}, 409, "code_taken"),
        ("freezers/", {**FREEZER, "site": "SITE-NONE"}, 400, "invalid"),
        ("freezers/", {**FREEZER, "set_point_c": "-400"}, 400, "invalid"),
        ("freezers/", {**FREEZER, "temperature_class": "tepid"}, 400, "invalid"),
        ("freezers/", {**FREEZER, "shelves": 4}, 400, "unknown_field"),
        ("racks/", {"freezer": "FRZ-NONE", "name": "R9"}, 400, "invalid"),
        ("racks/", {"freezer": "FRZ-80-A", "name": "R1"}, 409, "code_taken"),
        ("racks/", {"freezer": "FRZ-80-A", "name": "R9", "box_rows": 3}, 400, "invalid"),
        ("racks/", {"freezer": "FRZ-80-A", "name": "bad name"}, 400, "invalid"),
        ("boxes/", {"freezer": "FRZ-80-A", "rack": "R9", "type": "9x9"}, 404, "unknown_rack"),
        ("boxes/", {"freezer": "FRZ-80-A", "rack": "R1", "type": "7x7"}, 400, "invalid"),
        (
            "boxes/",
            {"freezer": "FRZ-80-A", "rack": "R1", "type": "9x9", "position": 1},
            409,
            "code_taken",
        ),
    ],
)
def test_bad_hierarchy_input_changes_nothing(api, biobank_admin, box, path, payload, status, code):
    before = (storage_state(), Freezer.objects.count())
    assert_problem(api(biobank_admin).post(f"/api/v1/{path}", payload), status, code)
    assert (storage_state(), Freezer.objects.count()) == before


def test_only_a_site_admin_adds_freezers(api, tech, auditor, box_types):
    before = Freezer.objects.count()
    for user in (tech, auditor):
        body = assert_problem(
            api(user).post("/api/v1/freezers/", FREEZER), 403, "role_forbids_action"
        )
        assert "site admin at BIOBANK" in body["detail"]
    assert Freezer.objects.count() == before

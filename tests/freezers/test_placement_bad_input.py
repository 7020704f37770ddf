"""Bad input on placement, move, retrieve and return: a clear problem+json, and nothing changed."""

import pytest

from barcode_printing.ids import format_id
from specimens import services as specimen_services
from specimens.lifecycle import transition
from specimens.models import Specimen
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem
from tests.specimens.helpers import force

pytestmark = pytest.mark.django_db


def wrong_check(barcode: str) -> str:
    return barcode[:-1] + ("A" if barcode[-1] != "A" else "B")


@pytest.fixture
def placed(api, tech, aliquots, box):
    stored, loose = aliquots(2)
    api(tech).post(
        "/api/v1/storage/place", {"id": stored.barcode, "box": box.code, "position": "A1"}
    )
    return stored, loose


@pytest.mark.parametrize(
    ("path", "payload", "status", "code"),
    [
        ("place", {"id": "{loose}", "box": "BOX-9999999", "position": "A1"}, 404, "unknown_box"),
        (
            "place",
            {"id": "{loose}", "box": "{box}", "position": "J1"},
            400,
            "position_out_of_range",
        ),
        (
            "place",
            {"id": "{loose}", "box": "{box}", "position": "A10"},
            400,
            "position_out_of_range",
        ),
        ("place", {"id": "{loose}", "box": "{box}", "position": "1A"}, 400, "malformed_position"),
        ("place", {"id": "{loose}", "box": "{box}", "position": ""}, 400, "invalid"),
        (
            "place",
            {"id": "{bad}", "box": "{box}", "position": "A2"},
            400,
            "invalid_check_character",
        ),
        ("place", {"id": "nonsense", "box": "{box}", "position": "A2"}, 400, "invalid_id_format"),
        ("place", {"id": "{unknown}", "box": "{box}", "position": "A2"}, 404, "unknown_specimen"),
        (
            "place",
            {"id": "{loose}", "box": "{box}", "position": "A2", "x": 1},
            400,
            "unknown_field",
        ),
        ("place", {"id": "{loose}", "box": "{box}"}, 400, "invalid"),
        ("place", {"id": "{loose}", "box": "{box}", "position": "A1"}, 409, "slot_occupied"),
        ("place", {"id": "{stored}", "box": "{box}", "position": "A2"}, 409, "already_placed"),
        (
            "move",
            {"id": "{loose}", "box": "{box}", "position": "A2"},
            409,
            "transition_not_allowed",
        ),
        ("move", {"id": "{stored}", "box": "{box}", "position": "A1"}, 409, "already_in_slot"),
        (
            "move",
            {"id": "{stored}", "box": "{box}", "position": "Z1"},
            400,
            "position_out_of_range",
        ),
        ("retrieve", {"id": "{stored}"}, 400, "reason_required"),
        (
            "retrieve",
            {"id": "{stored}", "reason": "Mr. Smith asked"},
            400,
            "possible_identifier_in_text",
        ),
        ("retrieve", {"id": "{loose}", "reason": "thaw"}, 409, "transition_not_allowed"),
        ("return", {"id": "{stored}"}, 409, "transition_not_allowed"),
        ("return", {"id": "{stored}", "box": "{box}"}, 400, "invalid"),
        ("return", {"id": "{loose}"}, 409, "transition_not_allowed"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    api, tech, placed, box, path, payload, status, code
):
    stored, loose = placed
    values = {
        "stored": stored.barcode,
        "loose": loose.barcode,
        "bad": wrong_check(loose.barcode),
        "unknown": format_id("BX", 9_999_999),
        "box": box.code,
    }
    payload = {key: str(value).format(**values) for key, value in payload.items()}
    before = storage_state()
    assert_problem(api(tech).post(f"/api/v1/storage/{path}", payload, format="json"), status, code)
    assert storage_state() == before


def attempt(api, user, specimen, box, position="B2"):
    before = storage_state()
    response = api(user).post(
        "/api/v1/storage/place", {"id": specimen.barcode, "box": box.code, "position": position}
    )
    assert storage_state() == before
    return response


def test_a_tube_in_transit_cannot_be_placed(api, tech, phleb_north, box, participant, north):
    order = specimen_services.order_create(
        actor=phleb_north,
        participant=participant,
        site=north,
        tube_codes=["1UR10"],
        safety={
            "donated_blood_past_week": False,
            "transfusion_past_6_months": False,
            "fainting_history": False,
        },
    )
    from datetime import timedelta

    from django.utils import timezone

    specimen_services.order_collect(
        actor=phleb_north, order=order, collected_at=timezone.now() - timedelta(hours=1)
    )
    tube = force(order.specimens.get(), "packed", "dispatched", actor=phleb_north)
    body = assert_problem(attempt(api, tech, tube, box), 409, "transition_not_allowed")
    assert "in transit" in body["detail"]


def test_a_disposed_tube_cannot_be_placed(api, tech, aliquot, box):
    transition(Specimen.objects.lock(aliquot)[0], "disposed", actor=tech, reason="dropped")
    assert_problem(attempt(api, tech, aliquot, box), 409, "specimen_disposed")


def test_a_tube_held_for_destruction_cannot_be_placed(
    api, tech, phleb_north, aliquot, box, participant
):
    specimen_services.participant_withdraw(
        actor=phleb_north,
        participant=participant,
        destroy_samples=True,
        ceremony="no",
        reason="participant asked",
    )
    assert_problem(attempt(api, tech, aliquot, box), 409, "specimen_on_hold")


def test_a_box_of_the_wrong_temperature_class_is_refused(
    api, tech, aliquot, received, make_freezer, make_box, box
):
    minus20 = make_box(make_freezer("FRZ-20-A", "frozen", "-20", kind="minus20"))
    body = assert_problem(attempt(api, tech, aliquot, minus20), 409, "wrong_temperature_class")
    assert "Ultra-cold" in body["detail"] and "FRZ-20-A" in body["detail"]
    # A primary tube kept refrigerated is not frozen either.
    assert_problem(attempt(api, tech, received(), box), 409, "wrong_temperature_class")


def test_a_freezer_out_of_service_takes_no_tubes(api, tech, biobank_admin, aliquot, box, ultra):
    from freezers.services import freezer_set_status

    freezer_set_status(actor=biobank_admin, freezer=ultra, status="out_of_service", reason="alarm")
    box.rack.freezer.refresh_from_db()
    assert_problem(attempt(api, tech, aliquot, box), 409, "freezer_unavailable")


def test_other_sites_do_not_see_boxes_and_auditors_do_not_store(
    api, phleb_north, auditor, aliquot, box
):
    assert_problem(attempt(api, phleb_north, aliquot, box), 404, "unknown_box")
    body = assert_problem(attempt(api, auditor, aliquot, box), 403, "role_forbids_action")
    assert "biobank technician at BIOBANK" in body["detail"]

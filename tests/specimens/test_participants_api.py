"""Registering participants: opaque IDs only, scoped, and bad input refused."""

import pytest

from specimens.models import Participant
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def register(client, **fields):
    return client.post(
        "/api/v1/participants/", {"participant_id": "P123456789", "site": "SITE-NORTH", **fields}
    )


def test_a_phlebotomist_registers_a_participant_with_a_random_biobank_id(api, phleb_north):
    body = register(api(phleb_north)).json()
    assert body["participant_id"] == "P123456789"
    assert body["biobank_id"].startswith("B") and len(body["biobank_id"]) == 10
    assert body["consent"] == "consented"
    record = Participant.objects.get().history.get()
    assert (record.history_user.username, record.history_type) == ("phleb-north", "+")


def test_there_is_no_field_for_a_name_or_birth_date(api, phleb_north):
    fields = {f.name for f in Participant._meta.get_fields()}
    assert not fields & {
        "name",
        "first_name",
        "last_name",
        "birth_date",
        "dob",
        "address",
        "phone",
        "email",
    }
    response = register(api(phleb_north), name="Jane Doe")
    assert_problem(response, 400, "unknown_field")
    assert not Participant.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"participant_id": "123456789"}, 400, "invalid"),
        ({"participant_id": "P12345"}, 400, "invalid"),
        ({"site": "SITE-SOUTH"}, 400, "invalid"),
        ({"site": "BIOBANK"}, 400, "invalid"),
    ],
)
def test_bad_registrations_change_nothing(api, phleb_north, network, fields, status, code):
    assert_problem(register(api(phleb_north), **fields), status, code)
    assert not Participant.objects.exists()


def test_registering_twice_is_409(api, phleb_north):
    register(api(phleb_north))
    assert_problem(register(api(phleb_north)), 409, "participant_exists")
    assert Participant.objects.count() == 1


def test_a_biobank_id_already_taken_is_drawn_again(api, phleb_north, monkeypatch):
    draws = iter([7, 7, 8])
    monkeypatch.setattr("specimens.services.participants.secrets.randbelow", lambda _: next(draws))
    first = register(api(phleb_north)).json()
    second = register(api(phleb_north), participant_id="P123456780").json()
    assert (first["biobank_id"], second["biobank_id"]) == ("B000000007", "B000000008")


def test_the_biobank_and_auditors_cannot_register(api, tech, auditor, north):
    for user in (tech, auditor):
        assert_problem(register(api(user)), 403, "role_forbids_action")
    assert not Participant.objects.exists()


def test_participants_of_another_site_are_invisible(api, phleb_north, phleb_south):
    register(api(phleb_north))
    assert api(phleb_south).get("/api/v1/participants/").json()["count"] == 0
    assert_problem(api(phleb_south).get("/api/v1/participants/P123456789/"), 404, "not_found")


def test_the_catalog_lists_the_programs_tube_codes(api, phleb_north):
    codes = {
        t["code"]
        for t in api(phleb_north).get("/api/v1/specimen-types/?page_size=100").json()["results"]
    }
    assert {
        "1SST8",
        "2SST8",
        "1PST8",
        "2PST8",
        "1HEP4",
        "1ED02",
        "1ED04",
        "1ED10",
        "2ED10",
        "1CFD9",
        "1PXR2",
        "1UR10",
        "1UR90",
        "1SAL",
        "1SAL2",
        "SERUM",
        "CLOT",
        "PLASMA",
        "BUFFY",
        "WBLD",
        "URINE",
        "SALIVA",
        "DNA",
    } == codes
    urine = next(
        t
        for t in api(phleb_north).get("/api/v1/specimen-types/?page_size=100").json()["results"]
        if t["code"] == "1UR90"
    )
    assert urine["labels_per_tube"] == 2 and urine["kind"] == "urine"

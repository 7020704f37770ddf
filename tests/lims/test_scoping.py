"""Scope: out-of-scope objects are 404, forbidden actions on visible ones are 403."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims import notes
from lims.choices import Role
from lims.models import Membership, Site
from tests.helpers import assert_problem, make_site, make_user

pytestmark = pytest.mark.django_db


def site_codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [site["code"] for site in response.json()["results"]]


def test_a_phlebotomist_sees_only_their_own_sites(api, network, phleb_north):
    assert site_codes(api(phleb_north).get("/api/v1/sites/")) == ["SITE-NORTH"]


def test_biobank_staff_see_every_site(api, network, tech, auditor):
    expected = ["BIOBANK", "SITE-NORTH", "SITE-SOUTH"]
    assert site_codes(api(tech).get("/api/v1/sites/")) == expected
    assert site_codes(api(auditor).get("/api/v1/sites/")) == expected


def test_a_user_without_memberships_sees_nothing(api, network, outsider):
    assert site_codes(api(outsider).get("/api/v1/sites/")) == []


def test_another_sites_object_is_404_not_403(api, network, phleb_north):
    assert_problem(api(phleb_north).get("/api/v1/sites/SITE-SOUTH/"), 404, "not_found")
    response = api(phleb_north).patch("/api/v1/sites/SITE-SOUTH/", {"name": "x", "reason": "r"})
    assert_problem(response, 404, "not_found")
    assert api(phleb_north).get("/api/v1/sites/SITE-NORTH/").json()["code"] == "SITE-NORTH"


def test_an_unknown_and_an_invisible_site_answer_the_same(api, network, phleb_north):
    unknown = api(phleb_north).get("/api/v1/sites/SITE-NOWHERE/").json()
    hidden = api(phleb_north).get("/api/v1/sites/SITE-SOUTH/").json()
    assert unknown == hidden


def test_a_site_admin_updates_their_site_with_a_reason(api, north, north_admin):
    response = api(north_admin).patch(
        "/api/v1/sites/SITE-NORTH/", {"name": "North Clinic", "reason": "renamed by the network"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "North Clinic"
    latest = north.history.latest()
    assert (latest.name, latest.history_user, notes.reason(latest)) == (
        "North Clinic",
        north_admin,
        "renamed by the network",
    )


def test_a_change_reason_may_come_in_the_header(api, north, north_admin):
    api(north_admin).patch(
        "/api/v1/sites/SITE-NORTH/",
        {"time_zone": "America/Denver"},
        HTTP_X_CHANGE_REASON="clinic moved",
    )
    latest = north.history.latest()
    assert (latest.time_zone, notes.reason(latest)) == ("America/Denver", "clinic moved")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"name": "X"}, "reason_required"),
        ({"time_zone": "Mars/Olympus", "reason": "r"}, "invalid"),
        ({"code": "SITE-NEW", "reason": "r"}, "unknown_field"),
        ({"kind": "biobank", "reason": "r"}, "unknown_field"),
    ],
)
def test_bad_site_updates_are_refused_and_change_nothing(api, north, north_admin, payload, code):
    before = (north.history.count(), Site.objects.get(pk=north.pk).name)
    assert_problem(api(north_admin).patch("/api/v1/sites/SITE-NORTH/", payload), 400, code)
    assert (north.history.count(), Site.objects.get(pk=north.pk).name) == before


def test_an_auditor_reads_everything_and_changes_nothing(api, network, auditor):
    assert api(auditor).get("/api/v1/sites/SITE-SOUTH/").status_code == 200
    response = api(auditor).patch("/api/v1/sites/SITE-SOUTH/", {"name": "x", "reason": "r"})
    assert_problem(response, 403, "role_forbids_action")


def test_an_auditor_at_a_collection_site_reads_only_that_site(api, network, north_auditor):
    assert site_codes(api(north_auditor).get("/api/v1/sites/")) == ["SITE-NORTH"]


def test_the_site_list_is_paginated(api, tech, biobank):
    for number in range(7):
        make_site(f"SITE-{number:02d}")
    page = api(tech).get("/api/v1/sites/?page_size=5").json()
    assert page["count"] == 8 and len(page["results"]) == 5
    assert page["next"].endswith("page=2&page_size=5") and page["previous"] is None


# --- memberships --------------------------------------------------------------------------


def grant(client, **fields):
    payload = {
        "username": "phleb-north",
        "site": "SITE-NORTH",
        "role": "auditor",
        "reason": "covers audits this month",
        **fields,
    }
    return client.post("/api/v1/memberships/", payload)


def test_a_site_admin_grants_a_role_with_history(api, north_admin, phleb_north):
    response = grant(api(north_admin))
    assert response.status_code == 201
    assert response.json()["role"] == "auditor"
    membership = Membership.objects.active().get(user=phleb_north, role=Role.AUDITOR)
    record = membership.history.get()
    assert (record.history_type, record.history_user, notes.reason(record)) == (
        "+",
        north_admin,
        "covers audits this month",
    )


def test_a_phlebotomist_may_not_grant_roles(api, north, phleb_north):
    body = assert_problem(grant(api(phleb_north)), 403, "role_forbids_action")
    assert body["detail"] == "Only a site admin at SITE-NORTH may grant roles."
    assert not Membership.objects.filter(role=Role.AUDITOR).exists()


def test_granting_at_an_invisible_site_reads_as_an_unknown_site(api, network, north_admin):
    make_user("newcomer")
    body = assert_problem(
        grant(api(north_admin), username="newcomer", site="SITE-SOUTH"), 400, "invalid"
    )
    assert "site" in body["errors"]
    assert not Membership.objects.filter(user__username="newcomer").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"role": "biobank_technician"}, "role_not_for_site"),
        ({"reason": ""}, "reason_required"),
        ({"username": "nobody"}, "invalid"),
    ],
)
def test_bad_grants_are_refused_and_change_nothing(api, north_admin, phleb_north, fields, code):
    before = Membership.objects.count()
    assert_problem(grant(api(north_admin), **fields), 400, code)
    assert Membership.objects.count() == before


def test_ending_a_role_keeps_the_membership_and_removes_access(
    api, north, north_admin, phleb_north
):
    client = api(north_admin)
    payload = {
        "username": "phleb-north",
        "site": "SITE-NORTH",
        "role": "phlebotomist",
        "reason": "left the clinic",
    }
    assert client.post("/api/v1/memberships/end/", payload).status_code == 200
    membership = Membership.objects.get(user=phleb_north)
    assert membership.ended_at is not None
    assert notes.reason(membership.history.latest()) == "left the clinic"
    assert site_codes(api(phleb_north).get("/api/v1/sites/")) == []
    assert_problem(client.post("/api/v1/memberships/end/", payload), 404, "not_found")


def test_membership_list_is_scoped_and_costs_the_same_for_many_rows(
    api, network, north_admin, phleb_north, phleb_south
):
    client = api(north_admin)
    names = {
        (m["username"], m["role"]) for m in client.get("/api/v1/memberships/").json()["results"]
    }
    assert names == {("admin-north", "site_admin"), ("phleb-north", "phlebotomist")}

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/memberships/")
    for number in range(10):
        make_user(f"extra-{number}", (network["north"], Role.PHLEBOTOMIST))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/memberships/")
    assert response.json()["count"] == 12
    assert len(many) == len(few)


def test_site_list_costs_the_same_for_many_rows(api, tech, biobank):
    client = api(tech)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/sites/")
    for number in range(10):
        make_site(f"SITE-{number:02d}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/sites/")
    assert len(many) == len(few)

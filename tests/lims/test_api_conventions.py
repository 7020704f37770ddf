"""Every API route requires authentication, inherits the base view, and answers problem+json."""

import pytest
from django.core.management import call_command
from rest_framework.viewsets import ViewSetMixin

from lims.api.base import LimsViewMixin, ScopedViewSet
from lims.models import Membership
from tests.helpers import assert_problem
from tests.lims.routes import api_routes, concrete

pytestmark = pytest.mark.django_db


def _methods(view) -> list[str]:
    if isinstance(getattr(view, "actions", None), dict):
        # DRF adds "head" to a viewset's actions once the route has been called.
        return sorted(m.upper() for m in view.actions if m not in ("options", "head"))
    view_class = view.view_class
    return sorted(
        m.upper()
        for m in view_class.http_method_names
        if hasattr(view_class, m) and m not in ("options", "head")
    )


ANONYMOUS_ALLOWED = {"/api/v1/auth/token"}


@pytest.mark.parametrize(("route", "view"), api_routes(), ids=lambda v: str(v))
def test_every_api_route_requires_authentication(api, route, view):
    path = concrete(route)
    if path in ANONYMOUS_ALLOWED:
        pytest.skip("sign-in is the one route that takes anonymous requests")
    for method in _methods(view):
        response = api().generic(method, path, data="{}", content_type="application/json")
        assert_problem(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_refused_with_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_problem(client.get("/api/v1/sites/"), 401, "authentication_failed")


@pytest.mark.parametrize(("route", "view"), api_routes(), ids=lambda v: str(v))
def test_every_api_view_inherits_the_base_and_its_scoping(route, view):
    view_class = (
        view.cls if isinstance(view, ViewSetMixin) or hasattr(view, "cls") else view.view_class
    )
    assert issubclass(view_class, LimsViewMixin), f"{route}: {view_class} skips LimsViewMixin"
    if hasattr(view_class, "queryset") and view_class.queryset is not None:
        assert issubclass(view_class, ScopedViewSet), f"{route}: has a queryset but is not scoped"
        assert view_class.get_queryset is ScopedViewSet.get_queryset, (
            f"{route}: overrides get_queryset(); narrow in refine_queryset() instead"
        )


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/sites/" in (tmp_path / "s.yaml").read_text()


def test_schema_and_docs_are_served_to_a_signed_in_user(client, tech):
    client.force_login(tech)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


# --- problem+json for each status ---------------------------------------------------------


def test_malformed_json_is_400_and_changes_nothing(api, north_admin, phleb_north, north):
    before = Membership.objects.count()
    response = api(north_admin).post(
        "/api/v1/memberships/", data='{"username": "phleb-north",', content_type="application/json"
    )
    assert_problem(response, 400, "malformed_body")
    assert Membership.objects.count() == before


def test_a_json_array_instead_of_an_object_is_400(api, north_admin):
    response = api(north_admin).post("/api/v1/memberships/", data=[1, 2], format="json")
    body = assert_problem(response, 400, "invalid")
    assert "non_field_errors" in body["errors"]


def test_unknown_fields_are_refused_by_name(api, north_admin, phleb_north, north):
    before = Membership.objects.count()
    response = api(north_admin).post(
        "/api/v1/memberships/",
        {
            "username": "phleb-north",
            "site": "SITE-NORTH",
            "role": "auditor",
            "reason": "x",
            "is_superuser": True,
        },
    )
    body = assert_problem(response, 400, "unknown_field")
    assert body["errors"] == {"is_superuser": ["Unknown field."]}
    assert Membership.objects.count() == before


def test_field_errors_are_listed_under_errors(api, north_admin, north):
    response = api(north_admin).post("/api/v1/memberships/", {"site": "SITE-NORTH", "role": "chef"})
    body = assert_problem(response, 400, "invalid")
    assert set(body["errors"]) == {"username", "role"}


def test_wrong_content_type_is_415(api, north_admin):
    response = api(north_admin).post(
        "/api/v1/memberships/", data="username=x", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_wrong_method_is_405_with_allow_header(api, phleb_north):
    response = api(phleb_north).delete("/api/v1/sites/")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_404_problem(api, phleb_north):
    body = assert_problem(api(phleb_north).get("/api/v1/no-such-thing/"), 404, "not_found")
    assert "/api/v1/no-such-thing/" in body["detail"]


def test_403_when_the_role_forbids_the_action(api, phleb_north, north):
    response = api(phleb_north).patch("/api/v1/sites/SITE-NORTH/", {"name": "X", "reason": "r"})
    body = assert_problem(response, 403, "role_forbids_action")
    assert "site admin at SITE-NORTH" in body["detail"]


def test_409_on_a_conflict_with_current_state(api, north_admin, phleb_north, north):
    payload = {
        "username": "phleb-north",
        "site": "SITE-NORTH",
        "role": "phlebotomist",
        "reason": "already there",
    }
    body = assert_problem(
        api(north_admin).post("/api/v1/memberships/", payload), 409, "membership_exists"
    )
    assert "phleb-north is already a phlebotomist at SITE-NORTH" in body["detail"]


def test_problem_types_are_documented_pages(client):
    page = client.get("/problems/membership_exists")
    assert page.status_code == 200
    assert b"already holds this role" in page.content
    assert client.get("/problems/not_authenticated").status_code == 200
    assert client.get("/problems/no_such_code").status_code == 404

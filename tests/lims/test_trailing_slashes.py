"""Every API route answers with and without its trailing slash, and any other /api/ path is a
problem+json 404, also with DEBUG on (where Django would answer its technical HTML page)."""

import pytest
from django.test import override_settings
from django.urls import resolve

from lims.api import problems
from tests.helpers import assert_problem
from tests.lims.routes import api_routes, concrete


@pytest.mark.parametrize(("route", "view"), api_routes("api/"), ids=lambda v: str(v))
def test_both_forms_of_every_api_path_reach_the_same_view(route, view):
    bare = concrete(route).rstrip("/")
    for path in (bare, bare + "/"):
        assert resolve(path).func is view, f"{path} does not reach the view of {route}"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/orders/ORD-1/nope/", "/api/x"])
def test_an_unknown_api_path_is_a_404_problem_with_or_without_debug(api, tech, debug, path):
    with override_settings(DEBUG=debug):
        for method in ("get", "post"):
            response = getattr(api(tech), method)(path, {})
            body = assert_problem(response, 404, "not_found")
            assert path in body["detail"]


def test_the_catch_all_is_the_last_route():
    assert resolve("/api/v1/sites").func is not problems.handler404
    assert resolve("/api/v1/sites/x/y/z").func is problems.handler404


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_post_without_the_slash_is_applied_not_redirected(api, phleb_north, north, debug):
    with override_settings(DEBUG=debug):
        response = api(phleb_north).post(
            "/api/v1/participants", {"participant_id": "P000000007", "site": "SITE-NORTH"}
        )
    assert response.status_code == 201, response.content
    assert response.json()["participant_id"] == "P000000007"

"""A crash inside a view answers 500 problem+json without internals, and is logged."""

import pytest
from django.urls import include, path
from rest_framework.response import Response

from lims.api.base import LimsAPIView
from tests.helpers import assert_problem


class Crash(LimsAPIView):
    def get(self, request):
        raise ZeroDivisionError("secret internal state")

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/crash/", Crash.as_view()),
    path("", include("lims.urls")),
]


@pytest.mark.urls("tests.lims.test_server_errors")
def test_an_unhandled_error_is_500_problem_json_and_logged(api, phleb_north, caplog):
    response = api(phleb_north).get("/api/v1/crash/")
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.content.decode()
    assert "logged" in body["detail"]
    assert any("unhandled error in Crash" in r.getMessage() for r in caplog.records)

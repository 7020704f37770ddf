"""Requests no client should send are refused as problems before they reach a view: never a 500."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from lims.models import Site
from tests.helpers import assert_problem, client_for

pytestmark = pytest.mark.django_db(transaction=True)

NUL_PATHS = [
    "/api/v1/sites/SITE%00/",
    "/api/v1/participants/P00000000%00/",
    "/api/v1/orders/ORD-1%00/",
    "/api/v1/shipments/SH-1%00/",
    "/api/v1/shipments/SH-1%00/manifest.csv",
    "/api/v1/boxes/BOX-1%00/",
    "/api/v1/boxes/BOX-1%00/map",
    "/api/v1/freezers/FRZ%00/",
    "/api/v1/reports/overdue?site=%00",
    "/api/v1/specimens/?status=%00",
]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_nul_byte_in_the_path_or_query_is_a_400_problem(api, tech, path):
    body = assert_problem(api(tech).get(path), 400, "invalid_characters")
    assert "NUL" in body["detail"]


def test_a_nul_byte_in_a_page_address_is_a_400_saying_so(client, phleb_north):
    client.force_login(phleb_north)
    response = client.get("/collect/?q=%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_byte_in_a_write_changes_nothing(api, north, north_admin):
    response = api(north_admin).patch("/api/v1/sites/SITE-NORTH%00/", {"name": "x", "reason": "y"})
    assert_problem(response, 400, "invalid_characters")
    assert Site.objects.get(pk=north.pk).name == "SITE-NORTH name"


@pytest.mark.parametrize("key", [None, "a-key-1"])
def test_a_body_over_the_limit_is_413_with_or_without_an_idempotency_key(
    api, north, north_admin, settings, key
):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    huge = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "reason": "r"})
    response = api(north_admin).generic(
        "PATCH", "/api/v1/sites/SITE-NORTH/", huge, content_type="application/json", **headers
    )
    body = assert_problem(response, 413, "body_too_large")
    assert "2.5 MB" in body["detail"]
    assert Site.objects.get(pk=north.pk).name == "SITE-NORTH name"


def test_a_large_page_form_is_413_too(client, settings):
    response = client.post(
        "/accounts/login/",
        "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


def test_json_nested_too_deep_is_a_malformed_body(api, north, north_admin):
    deep = "[" * 1200 + "]" * 1200
    payload = f'{{"name": {deep}, "reason": "r"}}'
    response = api(north_admin).generic(
        "PATCH", "/api/v1/sites/SITE-NORTH/", payload, content_type="application/json"
    )
    problem = assert_problem(response, 400, "malformed_body")
    assert "nested" in problem["detail"]
    assert Site.objects.get(pk=north.pk).name == "SITE-NORTH name"


def test_json_nested_deep_in_a_batch_item_is_a_malformed_body(api, phleb_north):
    deep = "{" + '"x":{' * 1200 + "}" * 1201
    payload = '{"requests": [{"key": "k", "path": "specimens/BX0000001/weigh/", "body": %s}]}'
    response = api(phleb_north).generic(
        "POST", "/api/v1/batch/", payload % deep, content_type="application/json"
    )
    assert_problem(response, 400, "malformed_body")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/api/v1/shipments/?dispatched_since=", "2026-01-01T00:00:00-22:13"),
        ("/api/v1/audit/events/?since=", "2026-01-01T00:00:00+16:00"),
        ("/api/v1/audit/events/?until=", "0001-01-01T00:00:00-01:00"),
        ("/api/v1/audit/events/?since=", "2300-01-01T00:00:00Z"),
        ("/api/v1/shipments/?dispatched_since=", "1899-12-31T00:00:00Z"),
    ],
)
def test_an_implausible_time_in_a_filter_is_a_400_problem(api, auditor, path, value):
    from urllib.parse import quote

    body = assert_problem(api(auditor).get(path + quote(value)), 400, "invalid")
    assert list(body["errors"]) == [path.rsplit("?", 1)[1].rstrip("=")]


def test_a_lost_database_connection_is_503_with_retry_after(api, tech):
    client = client_for(tech)

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = client.get("/api/v1/sites/")
    assert_problem(response, 503, "database_unavailable")
    assert int(response["Retry-After"]) > 0


def test_every_api_answer_is_not_stored_by_caches(api, tech):
    answers = [
        api(tech).get("/api/v1/sites/"),
        api(tech).get("/api/v1/nowhere/"),
        api().post("/api/v1/auth/token/", {"username": "tech", "password": "wrong"}),
    ]
    for answer in answers:
        assert "no-store" in answer["Cache-Control"], answer


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_signed_in_user(client, tech, path):
    anonymous = client.get(path)
    assert anonymous.status_code in (302, 401)
    client.force_login(tech)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_a_setting_opens_the_schema_and_docs(client, path):
    with override_settings(LIMS_PUBLIC_API_DOCS=True):
        assert client.get(path).status_code == 200

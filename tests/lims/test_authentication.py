"""Sign-in: hashed expiring tokens, logout, lockout per user and address, throttle, CSRF, logs."""

import logging

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.helpers import PASSWORD, assert_problem

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_a_token_is_issued_stored_only_as_a_hash_and_expires(phleb_north):
    response = sign_in(APIClient(), "phleb-north")
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=phleb_north)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    expiry = stored.expiry
    assert timezone.now() < expiry <= timezone.now() + timezone.timedelta(hours=12)
    assert response.json()["expiry"].startswith(expiry.strftime("%Y-%m-%dT%H:%M"))


def test_the_token_authenticates_api_requests(phleb_north):
    token = sign_in(APIClient(), "phleb-north").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/auth/me/").json()
    assert me["username"] == "phleb-north"
    assert me["memberships"] == [{"site": "SITE-NORTH", "role": "phlebotomist"}]


def test_an_expired_token_is_refused(phleb_north):
    token = sign_in(APIClient(), "phleb-north").json()["token"]
    stored = AuthToken.objects.get(user=phleb_north)
    stored.expiry = timezone.now() - timezone.timedelta(seconds=1)
    stored.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_problem(client.get("/api/v1/sites/"), 401, "authentication_failed")


def test_wrong_password_is_401_and_issues_nothing(phleb_north):
    body = assert_problem(sign_in(APIClient(), "phleb-north", "wrong"), 401, "invalid_credentials")
    assert "username and password" in body["detail"]
    assert not AuthToken.objects.exists()


def test_an_inactive_user_cannot_sign_in(phleb_north):
    phleb_north.is_active = False
    phleb_north.save()
    assert_problem(sign_in(APIClient(), "phleb-north"), 401, "invalid_credentials")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"username": "phleb-north"},
        {"username": "phleb-north", "password": PASSWORD, "x": 1},
    ],
)
def test_incomplete_or_extra_sign_in_fields_are_400(phleb_north, payload):
    response = APIClient().post(TOKEN_URL, payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not AuthToken.objects.exists()


def test_logout_revokes_only_this_device_and_logout_all_revokes_every_device(phleb_north):
    first, second = (sign_in(APIClient(), "phleb-north").json()["token"] for _ in range(2))
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert device.post("/api/v1/auth/logout/").status_code == 204
    assert_problem(device.get("/api/v1/sites/"), 401, "authentication_failed")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert other.get("/api/v1/sites/").status_code == 200

    third = sign_in(APIClient(), "phleb-north").json()["token"]
    other.post("/api/v1/auth/logout-all/")
    assert not AuthToken.objects.filter(user=phleb_north).exists()
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION=f"Token {third}")
    assert_problem(revoked.get("/api/v1/sites/"), 401, "authentication_failed")


def test_failed_sign_ins_lock_out_that_user_from_that_address(phleb_north, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_problem(sign_in(client, "phleb-north", "wrong"), 401, "invalid_credentials")
    body = assert_problem(sign_in(client, "phleb-north", "wrong"), 403, "account_locked")
    assert "Try again in 15 minutes" in body["detail"]
    # Even the right password is refused now, from that address...
    assert_problem(sign_in(client, "phleb-north"), 403, "account_locked")
    assert not AuthToken.objects.exists()
    # ...but not from another address: the lock is per user and address.
    assert sign_in(client, "phleb-north", address="10.0.0.2").status_code == 200


def test_the_admin_login_page_is_locked_out_too(phleb_north, settings):
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = browser.post("/admin/login/", {"username": "phleb-north", "password": "bad"})
    assert response.status_code == 403
    assert b"Too many failed sign-ins" in response.content


def test_sign_in_is_throttled_per_address(phleb_north, settings):
    settings.LIMS_LOGIN_THROTTLE_RATE = "3/min"
    client = APIClient()
    for _ in range(3):
        assert sign_in(client, "phleb-north").status_code == 200
    response = sign_in(client, "phleb-north")
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert AuthToken.objects.count() == 3
    # A forged X-Forwarded-For does not buy a fresh allowance.
    spoofed = client.post(
        TOKEN_URL,
        {"username": "phleb-north", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert_problem(spoofed, 429, "throttled")
    assert sign_in(client, "phleb-north", address="10.0.0.7").status_code == 200


def test_sign_ins_failures_and_lockouts_are_logged(phleb_north, settings, caplog):
    caplog.set_level(logging.INFO, logger="lims.security")
    sign_in(APIClient(), "phleb-north")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(APIClient(), "phleb-north", "wrong", address="10.9.9.9")
    messages = [r.getMessage() for r in caplog.records if r.name == "lims.security"]
    assert "login user=phleb-north address=10.0.0.1 path=/api/v1/auth/token/" in messages
    assert messages.count("login failed user=phleb-north address=10.9.9.9") == 5
    assert "lockout user=phleb-north address=10.9.9.9" in messages
    assert not any(PASSWORD in m or "wrong" in m for m in messages)


def test_session_api_writes_need_a_csrf_token(north_admin, phleb_north):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(north_admin)
    payload = {"username": "phleb-north", "site": "SITE-NORTH", "role": "auditor", "reason": "r"}
    assert_problem(browser.post("/api/v1/memberships/", payload, format="json"), 403, "csrf_failed")
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value
    response = browser.post("/api/v1/memberships/", payload, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_the_web_sign_in_page_logs_in_with_a_session(phleb_north):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = browser.post(
        "/accounts/login/",
        {"username": "phleb-north", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert browser.get("/api/v1/auth/me/").json()["username"] == "phleb-north"


def test_expired_tokens_are_deleted_by_the_purge_command(phleb_north):
    from django.core.management import call_command

    sign_in(APIClient(), "phleb-north")
    kept = sign_in(APIClient(), "phleb-north").json()["token"]
    expired = AuthToken.objects.order_by("created").first()
    expired.expiry = timezone.now() - timezone.timedelta(seconds=1)
    expired.save()
    call_command("purge_expired_tokens")
    assert AuthToken.objects.count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {kept}")
    assert client.get("/api/v1/sites/").status_code == 200

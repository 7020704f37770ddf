"""Sign-in abuse: the web form is throttled like the API, and behind trusted proxies the lockout
and the throttle count the real client, never an address a client forged."""

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.helpers import PASSWORD, assert_problem

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PROXY = "10.0.0.1"


def sign_in(username, password=PASSWORD, *, forwarded=None, address=PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return APIClient().post(
        TOKEN_URL,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def test_the_web_sign_in_form_is_throttled_per_address(phleb_north, settings):
    settings.LIMS_LOGIN_THROTTLE_RATE = "10/min"
    browser = Client()
    for attempt in range(10):
        answer = browser.post("/accounts/login/", {"username": f"guess-{attempt}", "password": "x"})
        assert answer.status_code == 200
    throttled = browser.post("/accounts/login/", {"username": "phleb-north", "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "Too many sign-in attempts" in throttled.content.decode()
    assert "_auth_user_id" not in browser.session


def test_the_form_and_the_api_share_one_allowance(phleb_north, settings):
    settings.LIMS_LOGIN_THROTTLE_RATE = "3/min"
    for _ in range(3):
        Client(REMOTE_ADDR=PROXY).post("/accounts/login/", {"username": "x", "password": "y"})
    assert_problem(sign_in("phleb-north"), 429, "throttled")


def test_behind_a_trusted_proxy_one_clients_failures_lock_out_only_that_client(
    phleb_north, settings
):
    settings.LIMS_TRUSTED_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("phleb-north", "wrong", forwarded="198.51.100.7")
    assert_problem(sign_in("phleb-north", forwarded="198.51.100.7"), 403, "account_locked")
    # Another client behind the same proxy still signs in.
    assert sign_in("phleb-north", forwarded="203.0.113.9").status_code == 200
    # What the client wrote left of the proxy's entry is not believed.
    forged = sign_in("phleb-north", forwarded="203.0.113.50, 198.51.100.7")
    assert_problem(forged, 403, "account_locked")


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(phleb_north, settings):
    settings.LIMS_TRUSTED_PROXIES = 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("phleb-north", "wrong", forwarded=f"198.51.100.{attempt}")
    assert_problem(sign_in("phleb-north", forwarded="203.0.113.9"), 403, "account_locked")
    assert not AuthToken.objects.exists()
    assert sign_in("phleb-north", address="10.0.0.2").status_code == 200

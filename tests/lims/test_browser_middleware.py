"""A token-authenticated API call goes past the browser's middleware; pages and signed-in
browser calls to the API keep sessions, CSRF and the Content-Security-Policy."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


def test_a_token_call_has_no_session_cookie_and_no_page_headers(api, phleb_north):
    answer = api(phleb_north).get(ME)
    assert answer.status_code == 200 and answer.json()["username"] == "phleb-north"
    assert "Content-Security-Policy" not in answer
    assert "sessionid" not in answer.cookies
    # Framing is still refused on every answer: Django's check looks for its middleware.
    assert answer["X-Frame-Options"] == "DENY"


def test_a_bad_token_is_refused_without_falling_back_to_a_session(phleb_north):
    browser = Client()
    browser.force_login(phleb_north)
    assert browser.get(ME).status_code == 200
    refused = browser.get(ME, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert refused.status_code == 401


def test_a_signed_in_browser_keeps_its_session_csrf_and_policy(phleb_north):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(phleb_north)
    page = browser.get("/")
    assert page.status_code == 200 and "Content-Security-Policy" in page
    # A session-authenticated write to the API still needs the CSRF token.
    refused = browser.post(
        "/api/v1/participants/",
        {"participant_id": "P000000777", "site": "SITE-NORTH"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]

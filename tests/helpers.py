"""Builders and assertions shared by the test suite."""

import threading

from django.db import connection
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from lims.audit import stamp
from lims.choices import SiteKind
from lims.credentials import sign_in_check
from lims.models import Membership, Site, User

PASSWORD = "correct-horse-battery-staple"


def make_site(
    code: str, kind: str = SiteKind.COLLECTION, time_zone: str = "America/Chicago", **fields
):
    fields = {"responsible_name": "Sam Carter", "responsible_phone": "+1 555 0100", **fields}
    site = Site(code=code, name=f"{code} name", kind=kind, time_zone=time_zone, **fields)
    stamp(site, actor=None, reason="test setup").save()
    return site


def make_user(username: str, *memberships: tuple[Site, str], **fields) -> User:
    user = User(username=username, **fields)
    user.set_password(PASSWORD)
    stamp(user, actor=None, reason="test setup").save()
    for site, role in memberships:
        stamp(Membership(user=user, site=site, role=role), actor=None, reason="test setup").save()
    return user


def password_check(address: str = "127.0.0.1"):
    """The API's signature password check, for a service called directly from ``address``."""
    return sign_in_check(RequestFactory().post("/", REMOTE_ADDR=address))


def admin_browser(user: User):
    """A browser signed in to the admin through its sign-in page, as a person would (and as
    django-axes needs, with a client address, on PostgreSQL)."""
    browser = Client()
    signed_in = browser.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content
    return browser


def client_for(user: User) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_problem(response, status: int, code: str) -> dict:
    """The answer is RFC 9457 problem+json with the expected status and stable code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"] == f"/problems/{code}"
    assert body["title"] and body["detail"]
    return body


def race(calls) -> list:
    """Run each call on its own thread and database connection, released together; answer
    their results in call order, an exception raised standing in for its call's result."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            answers[index] = call()
        except Exception as exc:
            answers[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers

"""Idempotency-Key: a replay returns the first answer and changes nothing; reuse is 422."""

import threading

import pytest
from django.db import connection

from lims.choices import Role
from lims.models import IdempotencyKey, Membership
from tests.helpers import assert_problem, client_for, make_site, make_user

PAYLOAD = {"username": "phleb-north", "site": "SITE-NORTH", "role": "auditor", "reason": "audit"}


def post(client, key, payload=PAYLOAD):
    return client.post("/api/v1/memberships/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_replay_returns_the_first_response_and_changes_nothing(api, north_admin, phleb_north):
    client = api(north_admin)
    first = post(client, "scan-0001")
    assert first.status_code == 201
    history_rows = Membership.history.count()
    again = post(client, "scan-0001")
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Membership.objects.filter(role=Role.AUDITOR).count() == 1
    assert Membership.history.count() == history_rows


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too(api, north_admin, phleb_north):
    client = api(north_admin)
    assert post(client, "k1", {**PAYLOAD, "role": "phlebotomist"}).status_code == 409
    replay = post(client, "k1", {**PAYLOAD, "role": "phlebotomist"})
    assert_problem(replay, 409, "membership_exists")
    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_422(api, north_admin, phleb_north):
    client = api(north_admin)
    post(client, "k2")
    body = assert_problem(
        post(client, "k2", {**PAYLOAD, "role": "site_admin"}), 422, "idempotency_key_reused"
    )
    assert "k2" in body["detail"]
    assert not Membership.objects.filter(role=Role.SITE_ADMIN, user=phleb_north).exists()


@pytest.mark.django_db
def test_keys_belong_to_one_user(api, north, north_admin, phleb_north):
    second_admin = make_user("admin-north-2", (north, Role.SITE_ADMIN))
    assert post(api(north_admin), "shared").status_code == 201
    assert_problem(post(api(second_admin), "shared"), 409, "membership_exists")


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "ünïcode"])
def test_a_malformed_key_is_400_and_changes_nothing(api, north_admin, phleb_north, key):
    response = api(north_admin).post(
        "/api/v1/memberships/",
        PAYLOAD,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
    )
    assert_problem(response, 400, "invalid_idempotency_key")
    assert not Membership.objects.filter(role=Role.AUDITOR).exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_an_unauthenticated_keyed_post_stores_nothing(api):
    assert_problem(post(api(), "anon"), 401, "not_authenticated")
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_sign_in_answers_are_never_stored(phleb_north):
    from rest_framework.test import APIClient

    from tests.helpers import PASSWORD

    client = APIClient()
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "phleb-north", "password": PASSWORD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="login",
        ).json()["token"]
        for _ in range(2)
    ]
    assert answers[0] != answers[1]
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_with_one_key_apply_once():
    north = make_site("SITE-NORTH")
    admin = make_user("admin-north", (north, Role.SITE_ADMIN))
    make_user("phleb-north", (north, Role.PHLEBOTOMIST))
    clients = [client_for(admin) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def send(index):
        try:
            barrier.wait()
            answers[index] = post(clients[index], "race-1")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert Membership.objects.filter(role=Role.AUDITOR).count() == 1


@pytest.mark.django_db
def test_expired_answers_are_purged_and_the_key_can_be_used_afresh(
    api, north_admin, phleb_north, settings
):
    from django.core.management import call_command
    from django.utils import timezone

    client = api(north_admin)
    post(client, "old-key")
    post(client, "fresh-key", {**PAYLOAD, "role": "site_admin"})
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - settings.LIMS_IDEMPOTENCY_TTL - timezone.timedelta(minutes=1)
    )
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh-key"]
    reused = post(client, "old-key", {**PAYLOAD, "role": "phlebotomist"})
    assert_problem(reused, 409, "membership_exists")


@pytest.mark.django_db
def test_a_key_past_its_time_is_free_again_before_any_purge(
    api, north_admin, phleb_north, settings
):
    from django.utils import timezone

    client = api(north_admin)
    post(client, "old-key")
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - settings.LIMS_IDEMPOTENCY_TTL - timezone.timedelta(minutes=1)
    )
    reused = post(client, "old-key", {**PAYLOAD, "role": "phlebotomist"})
    assert_problem(reused, 409, "membership_exists")
    assert IdempotencyKey.objects.get(key="old-key").status_code == 409

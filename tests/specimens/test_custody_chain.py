"""The custody chain: append-only in the database, hash-chained, and tampering is named."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from lims.db_guards import install_guards, remove_guards
from lims.errors import Forbidden
from specimens import custody, verification
from specimens.models import GENESIS_HASH, CustodyEvent, VerificationRun
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(make_order, phleb_north, an_hour_ago):
    from specimens import services

    order = make_order("1UR10", "1ED10")
    return services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)


def test_each_event_chains_to_the_one_before(order):
    for specimen in order.specimens.all():
        events = list(specimen.custody_events.order_by("seq"))
        assert [e.seq for e in events] == [1, 2]
        assert events[0].prev_hash == GENESIS_HASH
        assert events[1].prev_hash == events[0].hash
        assert (specimen.custody_seq, specimen.custody_head) == (2, events[1].hash)
        first = events[0]
        assert first.version == 3
        payload = custody.canonical(
            3,
            specimen=specimen.barcode,
            seq=1,
            kind=first.kind,
            at=first.at,
            actor=first.actor.username,
            site=first.site.code,
            ref=first.ref,
            details=first.details,
        )
        assert custody.chain_hash(GENESIS_HASH, payload) == first.hash


@pytest.mark.db_superuser
def test_the_database_refuses_to_update_or_delete_custody(order):
    event = CustodyEvent.objects.first()
    for statement in (
        "UPDATE specimens_custodyevent SET kind = 'disposed' WHERE id = %s",
        "DELETE FROM specimens_custodyevent WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
    assert CustodyEvent.objects.get(pk=event.pk).kind == event.kind


def _tamper(sql: str, params: list) -> None:
    """Rewrite custody behind the application's back, as a database superuser could."""
    remove_guards()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        install_guards()


@pytest.mark.db_superuser
def test_an_altered_event_is_named_by_specimen_and_sequence(api, auditor, order):
    tube = order.specimens.order_by("pk").first()
    assert custody.verify().ok
    _tamper(
        "UPDATE specimens_custodyevent SET ref = 'ORD-9999999' WHERE specimen_id = %s AND seq = 1",
        [tube.pk],
    )
    result = custody.verify()
    assert [b.as_dict() for b in result.breaks] == [
        {
            "specimen": tube.barcode,
            "seq": 1,
            "problem": "event content does not match its hash (altered)",
        }
    ]
    answer = api(auditor).get("/api/v1/audit/verify").json()
    assert answer["ok"] is False
    assert [(b["specimen"], b["seq"]) for b in answer["breaks"]] == [(tube.barcode, 1)]
    with pytest.raises(CommandError, match="breaks"):
        call_command("verify_custody")


@pytest.mark.db_superuser
def test_a_deleted_last_event_is_found(order):
    tube = order.specimens.order_by("pk").first()
    _tamper("DELETE FROM specimens_custodyevent WHERE specimen_id = %s AND seq = 2", [tube.pk])
    breaks = custody.verify().breaks
    assert [(b.specimen, b.problem) for b in breaks] == [
        (tube.barcode, "chain ends before the recorded head (event 2)")
    ]


@pytest.mark.db_superuser
def test_a_removed_middle_event_is_found(order, phleb_north):
    from specimens.services import specimen_hold

    tube = order.specimens.order_by("pk").first()
    specimen_hold(actor=phleb_north, specimen=tube, reason="cap loose")
    _tamper("DELETE FROM specimens_custodyevent WHERE specimen_id = %s AND seq = 2", [tube.pk])
    breaks = custody.verify().breaks
    assert (tube.barcode, 3, "sequence jumps from 1 to 3") in {
        (b.specimen, b.seq, b.problem) for b in breaks
    }


def test_verify_custody_command_reports_intact_chains(order, capsys):
    call_command("verify_custody")
    assert "OK: 2 specimens, 4 custody events checked" in capsys.readouterr().out


def test_the_trail_is_served_in_order_and_as_csv(api, phleb_north, order):
    tube = order.specimens.order_by("pk").first()
    trail = api(phleb_north).get(f"/api/v1/specimens/{tube.barcode}/custody/").json()
    assert [(e["seq"], e["kind"], e["actor"], e["site"]) for e in trail] == [
        (1, "labeled", "phleb-north", "SITE-NORTH"),
        (2, "collected", "phleb-north", "SITE-NORTH"),
    ]
    assert trail[1]["prev_hash"] == trail[0]["hash"]
    response = api(phleb_north).get(f"/api/v1/specimens/{tube.barcode}/custody/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [(r["seq"], r["kind"], r["hash"]) for r in rows] == [
        (str(e["seq"]), e["kind"], e["hash"]) for e in trail
    ]


def test_a_csv_request_for_an_unknown_tube_is_still_problem_json(api, phleb_north, order):
    from barcode_printing.ids import format_id

    unknown = format_id("BX", 9_999_999)
    response = api(phleb_north).get(f"/api/v1/specimens/{unknown}/custody/?format=csv")
    assert_problem(response, 404, "not_found")


def test_the_global_feed_filters_by_actor_site_kind_and_time(
    api, auditor, phleb_north, order, an_hour_ago
):
    client = api(auditor)
    every = client.get("/api/v1/audit/events/").json()
    assert every["count"] == 4
    collected = client.get(
        "/api/v1/audit/events/?kind=collected&actor=phleb-north&site=SITE-NORTH"
    ).json()
    assert collected["count"] == 2
    assert {e["kind"] for e in collected["results"]} == {"collected"}
    since = an_hour_ago.isoformat().replace("+00:00", "Z")
    assert client.get("/api/v1/audit/events/", {"since": since}).json()["count"] == 4
    assert client.get("/api/v1/audit/events/", {"until": since}).json()["count"] == 0
    assert_problem(client.get("/api/v1/audit/events/?kind=teleported"), 400, "invalid")


def test_only_auditors_read_the_audit_endpoints(
    api, phleb_north, tech, north_admin, auditor, north_auditor, order
):
    for user in (phleb_north, tech, north_admin):
        assert_problem(api(user).get("/api/v1/audit/events/"), 403, "role_forbids_action")
        assert_problem(api(user).get("/api/v1/audit/verify"), 403, "role_forbids_action")
    for user in (auditor, north_auditor):
        assert api(user).get("/api/v1/audit/events/").status_code == 200
        assert api(user).get("/api/v1/audit/verify").status_code == 200
    assert_problem(api().get("/api/v1/audit/verify"), 401, "not_authenticated")


def test_only_auditors_queue_a_verification_run(phleb_north, tech, north_admin, north_auditor):
    for user in (phleb_north, tech, north_admin):
        with pytest.raises(Forbidden, match="Only auditors verify custody chains") as refused:
            verification.run_request(actor=user)
        assert refused.value.code == "role_forbids_action"
    assert not VerificationRun.objects.exists()
    assert verification.run_request(actor=north_auditor).requested_by == north_auditor


def test_a_site_auditor_sees_only_their_sites_events(api, north_auditor, phleb_south, south, order):
    from specimens import services
    from tests.specimens.conftest import NO_RISK

    southerner = services.participant_register(
        actor=phleb_south, participant_id="P000000777", site=south
    )
    services.order_create(
        actor=phleb_south, participant=southerner, site=south, tube_codes=["1UR10"], safety=NO_RISK
    )
    feed = api(north_auditor).get("/api/v1/audit/events/").json()
    assert feed["count"] == 4 and {e["site"] for e in feed["results"]} == {"SITE-NORTH"}

"""An order from creation to finalization through the API, with custody and history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from barcode_printing.ids import parse_id
from lims.models import Note
from specimens.models import CustodyEvent, OrderEvent, Specimen
from tests.helpers import assert_problem
from tests.specimens.conftest import NO_RISK
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db


def create(client, *tubes, safety=NO_RISK, participant="P000000001", site="SITE-NORTH"):
    return client.post(
        "/api/v1/orders/",
        {"participant": participant, "site": site, "tubes": list(tubes), "safety": safety},
        format="json",
    )


def test_creating_an_order_labels_one_specimen_per_tube(api, phleb_north, participant):
    response = create(api(phleb_north), "1SST8", "1ED10", "1UR10")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["code"].startswith("ORD-") and order["status"] == "open"
    assert order["participant_id"] == "P000000001"
    ids = [spec["id"] for spec in order["specimens"]]
    assert [parse_id(i) for i in ids] == ids and len(set(ids)) == 3
    assert {spec["status"] for spec in order["specimens"]} == {"labeled"}
    events = CustodyEvent.objects.filter(specimen__barcode__in=ids)
    assert [(e.kind, e.seq, e.actor, e.ref) for e in events] == [
        ("labeled", 1, phleb_north, order["code"])
    ] * 3
    assert OrderEvent.objects.get().time_zone == "America/Chicago"


def test_collect_process_finalize(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    code = create(client, "1SST8", "1PST8", "1UR10").json()["code"]
    collected = client.post(
        f"/api/v1/orders/{code}/collect/",
        {"collected_at": an_hour_ago.isoformat(), "notes": "left arm"},
    )
    assert collected.status_code == 200, collected.content
    assert {s["status"] for s in collected.json()["specimens"]} == {"collected"}

    processed = client.post(
        f"/api/v1/orders/{code}/process/",
        {
            "processed_at": (an_hour_ago + timedelta(minutes=45)).isoformat(),
            "centrifuge": "swinging_bucket",
        },
    )
    assert processed.status_code == 200, processed.content
    statuses = {s["type"]: (s["status"], s["qc_flags"]) for s in processed.json()["specimens"]}
    assert statuses == {
        "1SST8": ("processed", []),
        "1PST8": ("processed", []),
        "1UR10": ("collected", []),
    }

    finalized = client.post(f"/api/v1/orders/{code}/finalize/")
    assert finalized.json()["status"] == "finalized"
    sst = Specimen.objects.get(type__code="1SST8")
    assert [e.kind for e in sst.custody_events.all()] == ["labeled", "collected", "processed"]
    assert sst.history.latest().history_user == phleb_north


@pytest.mark.parametrize(
    ("tube", "minutes", "flag", "warning"),
    [
        (
            "1SST8",
            20,
            "processing_too_early",
            "1SST8 processed 20 minutes after collection: the program needs at least 30 for the "
            "clot to form.",
        ),
        (
            "1PST8",
            300,
            "processing_too_late",
            "1PST8 processed 300 minutes after collection: the program allows at most 240.",
        ),
        (
            "1SST8",
            241,
            "processing_too_late",
            "1SST8 processed 241 minutes after collection: the program allows at most 240.",
        ),
    ],
)
def test_early_and_late_processing_keep_distinct_qc_flags_with_the_minutes(
    api, phleb_north, participant, tube, minutes, flag, warning
):
    client = api(phleb_north)
    code = create(client, tube).json()["code"]
    drawn = timezone.now() - timedelta(minutes=minutes + 1)
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": drawn.isoformat()})
    processed = client.post(
        f"/api/v1/orders/{code}/process/",
        {"processed_at": (drawn + timedelta(minutes=minutes)).isoformat()},
    )
    specimen = processed.json()["specimens"][0]
    assert (specimen["qc_flags"], specimen["qc_warnings"]) == ([flag], [warning])
    event = CustodyEvent.objects.get(kind="processed")
    assert (event.details["qc_flags"], event.details["minutes_after_collection"]) == (
        [flag],
        minutes,
    )


@pytest.mark.parametrize(("tube", "minutes"), [("1SST8", 30), ("1SST8", 240), ("1PST8", 5)])
def test_processing_at_the_window_edges_keeps_no_flag(api, phleb_north, participant, tube, minutes):
    client = api(phleb_north)
    code = create(client, tube).json()["code"]
    drawn = timezone.now() - timedelta(minutes=minutes + 1)
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": drawn.isoformat()})
    processed = client.post(
        f"/api/v1/orders/{code}/process/",
        {"processed_at": (drawn + timedelta(minutes=minutes)).isoformat()},
    )
    specimen = processed.json()["specimens"][0]
    assert (specimen["qc_flags"], specimen["qc_warnings"]) == ([], [])


def test_processing_at_or_before_collection_is_refused(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    code = create(client, "1SST8").json()["code"]
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()})
    before = chain_state()
    response = client.post(
        f"/api/v1/orders/{code}/process/", {"processed_at": an_hour_ago.isoformat()}
    )
    assert_problem(response, 400, "processing_before_collection")
    assert chain_state() == before


def test_a_time_in_the_future_is_refused(api, phleb_north, participant):
    client = api(phleb_north)
    code = create(client, "1UR10").json()["code"]
    before = chain_state()
    later = timezone.now() + timedelta(minutes=10)
    assert_problem(
        client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": later.isoformat()}),
        400,
        "time_in_future",
    )
    assert chain_state() == before


def test_collecting_a_collected_tube_again_is_409(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    order = create(client, "1UR10", "1ED10").json()
    tube = order["specimens"][0]["id"]
    url = f"/api/v1/orders/{order['code']}/collect/"
    client.post(url, {"collected_at": an_hour_ago.isoformat(), "barcodes": [tube]})
    before = chain_state()
    body = assert_problem(
        client.post(url, {"collected_at": an_hour_ago.isoformat(), "barcodes": [tube]}),
        409,
        "transition_not_allowed",
    )
    assert body["detail"] == f"Tube {tube} is collected; it cannot be collected now."
    assert chain_state() == before


@pytest.mark.parametrize(
    ("tubes", "code"),
    [
        ([], "no_tubes"),
        (["9XX99"], "unknown_tube_code"),
        (["SERUM"], "tube_not_in_tube_set"),
    ],
)
def test_bad_tube_lists_are_refused_and_change_nothing(api, phleb_north, participant, tubes, code):
    before = chain_state()
    assert_problem(create(api(phleb_north), *tubes), 400, code)
    assert chain_state() == before


@pytest.mark.parametrize(
    ("answer", "refused", "allowed"),
    [
        ("donated_blood_past_week", ["1ED10"], ["1UR10", "1SAL"]),
        ("fainting_history", ["1SST8"], ["1UR10", "1SAL"]),
        ("transfusion_past_6_months", ["1ED10", "1SAL"], ["1UR10"]),
    ],
)
def test_the_safety_check_decides_which_tubes_may_be_ordered(
    api, phleb_north, participant, answer, refused, allowed
):
    client = api(phleb_north)
    safety = {**NO_RISK, answer: True}
    body = assert_problem(
        create(client, *refused, *allowed, safety=safety), 400, "safety_check_refuses_tube"
    )
    assert [line.split(":")[0] for line in body["errors"]["tubes"]] == refused
    assert create(client, *allowed, safety=safety).status_code == 201


def test_an_auditor_cannot_create_orders(api, auditor, participant):
    before = chain_state()
    assert_problem(create(api(auditor), "1UR10"), 403, "role_forbids_action")
    assert chain_state() == before


def test_another_sites_phlebotomist_sees_neither_participant_nor_order(
    api, phleb_south, phleb_north, participant
):
    code = create(api(phleb_north), "1UR10").json()["code"]
    assert_problem(api(phleb_south).get(f"/api/v1/orders/{code}/"), 404, "not_found")
    body = assert_problem(create(api(phleb_south), "1UR10", site="SITE-SOUTH"), 400, "invalid")
    assert "participant" in body["errors"]


def test_cancel_restore_and_unlock_keep_reasons(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    code = create(client, "1UR10").json()["code"]
    cancel = client.post(f"/api/v1/orders/{code}/cancel/", {"reason": "created_in_error"})
    assert cancel.json()["status"] == "cancelled"
    assert_problem(
        client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()}),
        409,
        "order_status_conflict",
    )
    restore = client.post(
        f"/api/v1/orders/{code}/restore/",
        {"reason": "other", "reason_text": "cancelled by mistake"},
    )
    assert restore.json()["status"] == "open"
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()})
    client.post(f"/api/v1/orders/{code}/finalize/")
    unlock = client.post(f"/api/v1/orders/{code}/unlock/", {"reason": "change_times"})
    assert unlock.json()["status"] == "unlocked"
    assert client.post(f"/api/v1/orders/{code}/finalize/").json()["status"] == "finalized"
    actions = list(
        OrderEvent.objects.filter(order__code=code).values_list(
            "action", "reason_code", "reason_text"
        )
    )
    assert actions == [
        ("created", "", ""),
        ("cancelled", "created_in_error", ""),
        ("restored", "other", "cancelled by mistake"),
        ("collected", "", ""),
        ("finalized", "", ""),
        ("unlocked", "change_times", ""),
        ("finalized", "", ""),
    ]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"reason": "because"}, "invalid_reason"),
        ({"reason": "other"}, "invalid_reason"),
        ({"reason": "other", "reason_text": "called 617-555-0143"}, "possible_identifier_in_text"),
    ],
)
def test_bad_cancel_reasons_are_refused(api, phleb_north, participant, payload, code):
    client = api(phleb_north)
    order = create(client, "1UR10").json()["code"]
    assert_problem(client.post(f"/api/v1/orders/{order}/cancel/", payload), 400, code)
    assert client.get(f"/api/v1/orders/{order}/").json()["status"] == "open"


def test_processing_times_may_differ_per_tube(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    order = create(client, "1SST8", "1PST8").json()
    client.post(
        f"/api/v1/orders/{order['code']}/collect/", {"collected_at": an_hour_ago.isoformat()}
    )
    sst, pst = (spec["id"] for spec in order["specimens"])
    times = {
        sst: (an_hour_ago + timedelta(minutes=40)).isoformat(),
        pst: (an_hour_ago + timedelta(minutes=10)).isoformat(),
    }
    processed = client.post(f"/api/v1/orders/{order['code']}/process/", {"times": times})
    assert processed.status_code == 200, processed.content
    by_id = {spec["id"]: spec for spec in processed.json()["specimens"]}
    assert by_id[sst]["processed_at"].startswith(times[sst][:16])
    assert by_id[pst]["processed_at"].startswith(times[pst][:16])
    # A PST has no minimum time, so ten minutes is within the program's window.
    assert (by_id[sst]["qc_flags"], by_id[pst]["qc_flags"]) == ([], [])


def test_the_centrifuge_must_match_the_tube_code(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    code = create(client, "1SST8").json()["code"]
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()})
    before = chain_state()
    response = client.post(
        f"/api/v1/orders/{code}/process/",
        {
            "processed_at": (an_hour_ago + timedelta(minutes=45)).isoformat(),
            "centrifuge": "fixed_angle",
        },
    )
    body = assert_problem(response, 400, "centrifuge_mismatch")
    assert "swinging bucket" in body["detail"]
    assert chain_state() == before


def test_finalizing_before_processing_serum_is_409(api, phleb_north, participant, an_hour_ago):
    client = api(phleb_north)
    code = create(client, "1SST8").json()["code"]
    client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()})
    body = assert_problem(
        client.post(f"/api/v1/orders/{code}/finalize/"), 409, "processing_incomplete"
    )
    assert "Record processing of" in body["detail"]


def test_orders_and_tubes_answer_the_actions_their_user_may_take(
    api, phleb_north, tech, participant, an_hour_ago
):
    client = api(phleb_north)
    order = create(client, "1SST8").json()
    assert order["actions"] == ["collect", "cancel"]
    assert order["specimens"][0]["actions"] == ["collect", "hold", "dispose"]
    code = order["code"]
    collected = client.post(
        f"/api/v1/orders/{code}/collect/", {"collected_at": an_hour_ago.isoformat()}
    ).json()
    assert collected["actions"] == ["collect", "process", "finalize", "cancel"]
    assert collected["specimens"][0]["actions"] == ["process", "weigh", "hold", "dispose"]
    # The biobank sees the order but takes none of a collection site's steps on it.
    seen_by_tech = api(tech).get(f"/api/v1/orders/{code}/").json()
    assert (seen_by_tech["actions"], seen_by_tech["specimens"][0]["actions"]) == ([], [])


def test_a_change_reason_header_with_an_identifier_is_refused_and_changes_nothing(
    api, phleb_north, participant, an_hour_ago
):
    client = api(phleb_north)
    code = create(client, "1SST8").json()["code"]
    response = client.post(
        f"/api/v1/orders/{code}/collect/",
        {"collected_at": an_hour_ago.isoformat()},
        HTTP_X_CHANGE_REASON="drawn late, spoke with Mrs Alvarez",
    )
    body = assert_problem(response, 400, "possible_identifier_in_text")
    assert body["errors"] == {"reason": ["Looks like a person's name."]}
    assert Specimen.objects.get().status == "labeled"
    assert not Specimen.history.filter(history_change_reason__contains="Alvarez").exists()
    assert not Note.objects.filter(text__contains="Alvarez").exists()

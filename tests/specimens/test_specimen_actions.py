"""Hold, release, signed disposal, aliquots and lineage, lookups and history, through the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from specimens import services
from specimens.models import Signature, Specimen
from tests.helpers import PASSWORD, assert_problem
from tests.specimens.helpers import chain_state, received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def urine(make_order, phleb_north, an_hour_ago):
    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10"), collected_at=an_hour_ago
    )
    return order.specimens.get()


@pytest.fixture
def at_biobank(urine, phleb_north, tech, biobank):
    return received_at_biobank(urine, phleb=phleb_north, tech=tech, biobank=biobank)


def url(specimen, action=""):
    return f"/api/v1/specimens/{specimen.barcode}/{action + '/' if action else ''}"


def test_hold_and_release_with_reasons(api, phleb_north, urine):
    client = api(phleb_north)
    held = client.post(url(urine, "hold"), {"reason": "cap cracked"}).json()
    assert (held["status"], held["hold_reason"]) == ("collected", "cap cracked")
    assert_problem(client.post(url(urine, "hold"), {"reason": "again"}), 409, "specimen_on_hold")
    released = client.post(url(urine, "release"), {"reason": "recapped"}).json()
    assert released["hold_reason"] == ""
    kinds = [e.kind for e in Specimen.objects.get(pk=urine.pk).custody_events.all()]
    assert kinds == ["labeled", "collected", "held", "released"]
    assert_problem(client.post(url(urine, "hold"), {}), 400, "reason_required")


def test_disposal_is_signed_by_password_and_bound_to_its_event(api, tech, at_biobank, biobank):
    from tests.helpers import make_user

    make_user("tech-2", (biobank, "biobank_technician"), first_name="Ana", last_name="Ruiz")
    response = api(tech).post(
        url(at_biobank, "dispose"),
        {
            "reason": "quality_issue",
            "reason_text": "hemolysed",
            "password": PASSWORD,
            "witness": "tech-2",
            "witness_password": PASSWORD,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "disposed"
    event = Specimen.objects.get(pk=at_biobank.pk).custody_events.get(kind="disposed")
    signatures = {(s.meaning, s.printed_name, s.event_hash) for s in event.signatures.all()}
    assert signatures == {("performed", "tech", event.hash), ("witnessed", "Ana Ruiz", event.hash)}
    assert_problem(
        api(tech).post(url(at_biobank, "hold"), {"reason": "x"}), 409, "specimen_disposed"
    )


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"reason": "damaged", "password": "wrong"}, 403, "signature_refused"),
        (
            {
                "reason": "damaged",
                "password": PASSWORD,
                "witness": "tech",
                "witness_password": PASSWORD,
            },
            403,
            "signature_refused",
        ),
        ({"reason": "shredded", "password": PASSWORD}, 400, "invalid_reason"),
        ({"reason": "other", "password": PASSWORD}, 400, "invalid_reason"),
        ({"reason": "damaged"}, 400, "invalid"),
    ],
)
def test_bad_disposals_change_nothing(api, tech, at_biobank, payload, status, code):
    before = chain_state()
    assert_problem(api(tech).post(url(at_biobank, "dispose"), payload), status, code)
    assert chain_state() == before
    assert not Signature.objects.exists()


def test_aliquots_link_both_ways_and_deplete_the_parent(api, tech, at_biobank):
    client = api(tech)
    made = client.post(url(at_biobank, "aliquot"), {"count": 4, "type": "URINE", "volume_ul": 2000})
    assert made.status_code == 201, made.content
    children = [c["id"] for c in made.json()]
    assert {c["parent"] for c in made.json()} == {at_biobank.barcode}
    parent = client.get(url(at_biobank)).json()
    assert sorted(parent["children"]) == sorted(children)
    assert parent["volume_ul"] == 2000 and parent["status"] == "received"
    client.post(url(at_biobank, "aliquot"), {"count": 1, "type": "URINE", "volume_ul": 2000})
    assert client.get(url(at_biobank)).json()["status"] == "depleted"
    kinds = [e.kind for e in Specimen.objects.get(pk=at_biobank.pk).custody_events.all()]
    assert kinds[-3:] == ["aliquoted", "aliquoted", "depleted"]
    child = Specimen.objects.get(barcode=children[0])
    assert (child.participant_id, child.custody_events.get().kind) == (
        at_biobank.participant_id,
        "aliquoted",
    )


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"count": 20, "type": "URINE", "volume_ul": 1000}, "insufficient_volume"),
        ({"count": 1, "type": "1UR10", "volume_ul": 100}, "not_a_derivative_type"),
        ({"count": 0, "type": "URINE", "volume_ul": 100}, "invalid"),
    ],
)
def test_bad_aliquot_requests_change_nothing(api, tech, at_biobank, payload, code):
    before = chain_state()
    assert_problem(api(tech).post(url(at_biobank, "aliquot"), payload), 400, code)
    assert chain_state() == before


def test_only_the_biobank_aliquots(api, phleb_north, auditor, urine, at_biobank):
    for user in (phleb_north, auditor):
        response = api(user).post(
            url(at_biobank, "aliquot"), {"count": 1, "type": "URINE", "volume_ul": 10}
        )
        assert_problem(response, 403, "role_forbids_action")


def test_a_mistyped_id_is_400_and_an_unknown_one_404(api, phleb_north, urine):
    wrong = urine.barcode[:-1] + ("A" if urine.barcode[-1] != "A" else "B")
    body = assert_problem(
        api(phleb_north).get(f"/api/v1/specimens/{wrong}/"), 400, "invalid_check_character"
    )
    assert "re-scan" in body["detail"]
    from barcode_printing.ids import format_id

    assert_problem(
        api(phleb_north).get(f"/api/v1/specimens/{format_id('BX', 9999)}/"), 404, "not_found"
    )
    scanned = api(phleb_north).get(f"/api/v1/specimens/]C0{urine.barcode.lower()}/")
    assert scanned.json()["id"] == urine.barcode


def test_another_sites_tube_is_404(api, phleb_south, urine):
    assert_problem(api(phleb_south).get(url(urine)), 404, "not_found")
    assert_problem(api(phleb_south).post(url(urine, "hold"), {"reason": "x"}), 404, "not_found")


def test_history_lists_field_changes_with_user_and_reason(api, phleb_north, urine):
    api(phleb_north).post(url(urine, "hold"), {"reason": "cap cracked"})
    history = api(phleb_north).get(url(urine, "history")).json()
    assert [h["type"] for h in history] == ["created", "changed", "changed"]
    last = history[-1]
    assert (last["user"], last["reason"]) == ("phleb-north", "cap cracked")
    assert {"field": "hold_reason", "old": "", "new": "cap cracked"} in last["changes"]
    assert any(
        c["field"] == "status" and c["old"] == "labeled" and c["new"] == "collected"
        for c in history[1]["changes"]
    )


def test_specimen_and_order_lists_cost_the_same_for_more_rows(api, phleb_north, make_order):
    client = api(phleb_north)
    make_order("1UR10", "1ED10")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/specimens/").status_code == 200
            assert client.get("/api/v1/orders/").status_code == 200
        counts.append(len(queries))
        for _ in range(3):
            make_order("1SST8", "1PST8", "1UR90")
    assert counts[0] == counts[1]
    assert client.get("/api/v1/specimens/").json()["count"] == 2 + 2 * 3 * 3


def test_filters_by_status_type_and_participant(api, phleb_north, urine, make_order):
    make_order("1ED10")
    client = api(phleb_north)
    assert client.get("/api/v1/specimens/?status=collected").json()["count"] == 1
    assert client.get("/api/v1/specimens/?type=1ED10").json()["count"] == 1
    assert client.get("/api/v1/specimens/?participant=P000000001").json()["count"] == 2
    bid = urine.participant.biobank_id
    assert client.get(f"/api/v1/specimens/?participant={bid}").json()["count"] == 2
    assert_problem(client.get("/api/v1/specimens/?status=frozen"), 400, "invalid")

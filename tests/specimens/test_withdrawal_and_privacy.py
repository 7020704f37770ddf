"""Withdrawal holds everything for destruction; the biobank never sees a participant ID."""

import json

import pytest

from specimens import services
from specimens.choices import CustodyKind
from specimens.errors import ParticipantWithdrawn
from specimens.lifecycle import find_rule
from specimens.models import Participant, Specimen
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state, force, received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(make_order, phleb_north, an_hour_ago):
    order = make_order("1UR10", "1ED10", "1SAL")
    return services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)


def withdraw(client, destroy=True, ceremony="yes", pid="P000000001"):
    return client.post(
        f"/api/v1/participants/{pid}/withdraw/",
        {
            "destroy_samples": destroy,
            "ceremony": ceremony,
            "reason": "participant asked by phone call",
        },
    )


def test_withdrawal_with_destruction_holds_every_specimen_and_aliquot(
    api, phleb_north, tech, biobank, collected
):
    urine = collected.specimens.get(type__code="1UR10")
    received_at_biobank(urine, phleb=phleb_north, tech=tech, biobank=biobank)
    aliquots = services.specimen_aliquot(
        actor=tech, specimen=urine, count=2, type_code="URINE", volume_ul=1000
    )
    response = withdraw(api(phleb_north))
    assert response.status_code == 200, response.content
    assert response.json()["consent"] == "withdrawn"
    everything = Specimen.objects.filter(participant__participant_id="P000000001")
    assert everything.count() == 5
    assert all(s.on_hold and s.disposal_due for s in everything)
    assert {e.kind for s in aliquots for e in s.custody_events.all()} >= {"held"}

    worklist = api(tech).get("/api/v1/specimens/?disposal_due=true").json()
    assert worklist["count"] == 5
    assert {(s["ceremony"], s["participant_id"]) for s in worklist["results"]} == {("yes", None)}


def test_after_withdrawal_nothing_new_is_possible(
    api, phleb_north, tech, biobank, collected, participant
):
    urine = collected.specimens.get(type__code="1UR10")
    received_at_biobank(urine, phleb=phleb_north, tech=tech, biobank=biobank)
    withdraw(api(phleb_north))
    before = chain_state()
    order = api(phleb_north).post(
        "/api/v1/orders/",
        {
            "participant": "P000000001",
            "site": "SITE-NORTH",
            "tubes": ["1UR10"],
            "safety": {
                "donated_blood_past_week": False,
                "transfusion_past_6_months": False,
                "fainting_history": False,
            },
        },
        format="json",
    )
    assert_problem(order, 409, "participant_withdrawn")
    aliquot = api(tech).post(
        f"/api/v1/specimens/{urine.barcode}/aliquot/",
        {"count": 1, "type": "URINE", "volume_ul": 100},
    )
    assert_problem(aliquot, 409, "specimen_on_hold")
    release = api(tech).post(f"/api/v1/specimens/{urine.barcode}/release/", {"reason": "oops"})
    assert_problem(release, 409, "disposal_due")
    assert_problem(withdraw(api(phleb_north)), 409, "participant_withdrawn")
    assert chain_state() == before


def test_destruction_blocks_packing_even_without_a_hold(phleb_north, collected, participant):
    saliva = collected.specimens.get(type__code="1SAL")
    services.participant_withdraw(
        actor=phleb_north,
        participant=participant,
        destroy_samples=True,
        ceremony="no",
        reason="asked",
    )
    saliva = Specimen.objects.select_related("participant", "type").get(pk=saliva.pk)
    saliva.hold_reason = ""
    with pytest.raises(ParticipantWithdrawn, match="asked for their samples to be destroyed"):
        find_rule(saliva, CustodyKind.PACKED)


def test_withdrawal_keeping_samples_leaves_them_usable(api, phleb_north, collected):
    response = withdraw(api(phleb_north), destroy=False)
    assert response.json()["destroy_samples"] is False
    assert not Specimen.objects.filter(hold_reason__gt="").exists()
    urine = collected.specimens.get(type__code="1UR10")
    assert force(urine, "packed", actor=phleb_north).status == "packed"


def test_an_auditor_cannot_record_a_withdrawal(api, auditor, north_auditor, collected):
    assert_problem(withdraw(api(north_auditor)), 403, "role_forbids_action")
    assert Participant.objects.get().consent == "consented"


def test_a_withdrawal_reason_is_screened(api, phleb_north, collected):
    response = api(phleb_north).post(
        "/api/v1/participants/P000000001/withdraw/",
        {"destroy_samples": True, "ceremony": "yes", "reason": "email jd@example.org"},
    )
    assert_problem(response, 400, "possible_identifier_in_text")
    assert Participant.objects.get().consent == "consented"


def test_the_biobank_never_receives_a_participant_id(
    api, tech, auditor, phleb_north, biobank, collected
):
    urine = collected.specimens.get(type__code="1UR10")
    received_at_biobank(urine, phleb=phleb_north, tech=tech, biobank=biobank)
    services.specimen_aliquot(actor=tech, specimen=urine, count=1, type_code="URINE", volume_ul=500)
    paths = [
        "/api/v1/participants/",
        f"/api/v1/participants/{urine.participant.biobank_id}/",
        "/api/v1/specimens/",
        f"/api/v1/specimens/{urine.barcode}/",
        f"/api/v1/specimens/{urine.barcode}/custody/",
        f"/api/v1/specimens/{urine.barcode}/history/",
        "/api/v1/orders/",
        f"/api/v1/orders/{collected.code}/",
        "/api/v1/audit/events/",
    ]
    for user in (tech, auditor):
        for path in paths:
            response = api(user).get(path)
            assert response.status_code in (200, 403), (path, response.content)
            assert "P000000001" not in response.content.decode(), (user, path)
        assert_problem(api(user).get("/api/v1/participants/P000000001/"), 404, "not_found")
        found = api(user).get("/api/v1/specimens/?participant=P000000001").json()
        assert found["count"] == 0
    # The collecting site does see it.
    mine = api(phleb_north).get(f"/api/v1/specimens/{urine.barcode}/").json()
    assert mine["participant_id"] == "P000000001"
    assert json.dumps(api(phleb_north).get("/api/v1/participants/").json()).count("P000000001")

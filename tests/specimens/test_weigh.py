"""Weighing a tube: the weight with its device as provenance, and the volume it implies."""

from decimal import Decimal

import pytest

from specimens import services
from specimens.models import Specimen
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state, force, received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(make_order, phleb_north, an_hour_ago):
    """A collected urine, saliva and EDTA tube, in that order."""
    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10", "1SAL", "1ED10"), collected_at=an_hour_ago
    )
    by_type = {tube.type.code: tube for tube in order.specimens.all()}
    return by_type["1UR10"], by_type["1SAL"], by_type["1ED10"]


def weigh(client, specimen, **body):
    return client.post(
        f"/api/v1/specimens/{specimen.barcode}/weigh/",
        {"device": "SCALE-1", "stable": True, **body},
        format="json",
    )


def test_weighing_urine_records_weight_device_and_derived_volume(api, phleb_north, collected):
    urine = collected[0]
    answer = weigh(api(phleb_north), urine, grams="10.150")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["weight_g"], answer.json()["volume_ul"]) == ("10.150", 10000)
    assert answer.json()["status"] == "collected"
    # 10.151 g / 1.015 g/mL = 10000.99 µL, rounded to the nearest microlitre.
    assert weigh(api(phleb_north), urine, grams="10.151").json()["volume_ul"] == 10001
    event = Specimen.objects.get(pk=urine.pk).custody_events.filter(kind="weighed").first()
    assert event.details == {"grams": "10.150", "device": "SCALE-1"}
    assert event.actor == phleb_north
    history = Specimen.history.filter(barcode=urine.barcode).order_by("history_id")
    assert {(h.weight_g, h.history_user) for h in history if h.weight_g} == {
        (Decimal("10.150"), phleb_north),
        (Decimal("10.151"), phleb_north),
    }


def test_saliva_volume_uses_its_density_and_blood_keeps_its_volume(api, phleb_north, collected):
    _, saliva, edta = collected
    assert weigh(api(phleb_north), saliva, grams="2.5").json()["volume_ul"] == 2500
    blood = weigh(api(phleb_north), edta, grams="9.5").json()
    assert (blood["weight_g"], blood["volume_ul"]) == ("9.500", None)


def test_a_technician_weighs_at_the_biobank(api, phleb_north, tech, biobank, collected):
    tube = received_at_biobank(collected[0], phleb=phleb_north, tech=tech, biobank=biobank)
    assert weigh(api(tech), tube, grams="12").status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"grams": "10", "stable": False}, "weight_not_stable"),
        ({"grams": "0"}, "weight_out_of_range"),
        ({"grams": "-1"}, "weight_out_of_range"),
        ({"grams": "2000.001"}, "weight_out_of_range"),
        ({"grams": "ten"}, "invalid"),
        ({"grams": "1_000"}, "invalid"),
        ({"grams": "\u0661\u0662"}, "invalid"),
        ({"grams": "\uff11\uff12.5"}, "invalid"),
        ({"grams": "1e1"}, "invalid"),
        ({"grams": "10", "device": "x" * 65}, "invalid"),
        ({"grams": "10", "device": "scale of Mrs. Smith"}, "possible_identifier_in_text"),
        ({"grams": "10", "tare": "1"}, "unknown_field"),
    ],
)
def test_refused_readings_record_nothing(api, phleb_north, collected, body, code):
    before = chain_state()
    assert_problem(weigh(api(phleb_north), collected[0], **body), 400, code)
    assert chain_state() == before


def test_a_tube_on_hold_disposed_or_not_collected_is_a_conflict(
    api, phleb_north, collected, make_order
):
    urine, saliva, _ = collected
    client = api(phleb_north)
    client.post(f"/api/v1/specimens/{urine.barcode}/hold/", {"reason": "leaking"})
    force(saliva, "disposed", actor=phleb_north)
    labeled = make_order("1UR10").specimens.get()
    before = chain_state()
    assert_problem(weigh(client, urine, grams="10"), 409, "specimen_on_hold")
    assert_problem(weigh(client, saliva, grams="10"), 409, "specimen_disposed")
    assert_problem(weigh(client, labeled, grams="10"), 409, "transition_not_allowed")
    assert chain_state() == before


def test_roles_and_sites_decide_who_weighs(api, phleb_south, north_auditor, collected):
    urine = collected[0]
    assert_problem(weigh(api(north_auditor), urine, grams="10"), 403, "role_forbids_action")
    assert weigh(api(phleb_south), urine, grams="10").status_code == 404
    assert_problem(weigh(api(phleb_south), urine, grams="10"), 404, "not_found")


def test_a_replayed_weighing_is_recorded_once(api, phleb_north, collected):
    client = api(phleb_north)
    urine = collected[0]
    first = client.post(
        f"/api/v1/specimens/{urine.barcode}/weigh/",
        {"grams": "10", "device": "S1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="station-1-1",
    )
    again = client.post(
        f"/api/v1/specimens/{urine.barcode}/weigh/",
        {"grams": "10", "device": "S1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="station-1-1",
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert Specimen.objects.get(pk=urine.pk).custody_events.filter(kind="weighed").count() == 1


def test_a_role_that_may_never_take_a_step_is_told_so_before_the_tubes_state(
    api, phleb_north, north_auditor, collected, make_order
):
    urine = collected[0]
    labeled = make_order("1UR10").specimens.get()
    auditor = api(north_auditor)
    before = chain_state()
    steps = [
        ("release", urine, {"reason": "checking"}),
        ("hold", labeled, {"reason": "checking"}),
        ("weigh", labeled, {"grams": "1", "device": "SCALE-1", "stable": True}),
    ]
    for path, tube, body in steps:
        response = auditor.post(f"/api/v1/specimens/{tube.barcode}/{path}/", body)
        assert_problem(response, 403, "role_forbids_action")
    assert chain_state() == before

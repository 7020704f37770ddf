"""Amending a finalized order through the API: unlock with a reason, re-enter times, add and
remove tubes, finalize again; every change keeps who, when and why on each tube."""

from datetime import timedelta

import pytest

from lims import notes
from specimens.models import CustodyEvent, OrderEvent, Specimen
from tests.helpers import assert_problem
from tests.specimens.conftest import NO_RISK
from tests.specimens.helpers import chain_state, force

pytestmark = pytest.mark.django_db

WHY = "amended after unlock (Change collection or processing times: clock was an hour off)"


def post(client, code, step, body=None):
    return client.post(f"/api/v1/orders/{code}/{step}/", body or {}, format="json")


@pytest.fixture
def finalized(api, phleb_north, participant, an_hour_ago):
    """A finalized order of an SST (processed 45 minutes after the draw) and a urine tube."""
    client = api(phleb_north)
    order = client.post(
        "/api/v1/orders/",
        {
            "participant": "P000000001",
            "site": "SITE-NORTH",
            "tubes": ["1SST8", "1UR10"],
            "safety": NO_RISK,
        },
        format="json",
    ).json()
    code = order["code"]
    post(client, code, "collect", {"collected_at": an_hour_ago.isoformat()})
    processed = (an_hour_ago + timedelta(minutes=45)).isoformat()
    post(client, code, "process", {"processed_at": processed})
    assert post(client, code, "finalize").json()["status"] == "finalized"
    sst, urine = (spec["id"] for spec in order["specimens"])
    return {"code": code, "sst": sst, "urine": urine, "client": client}


def unlock(finalized):
    body = {"reason": "change_times", "reason_text": "clock was an hour off"}
    return post(finalized["client"], finalized["code"], "unlock", body)


def amended_events(barcode):
    return list(
        CustodyEvent.objects.filter(specimen__barcode=barcode, kind="amended").order_by("seq")
    )


def test_an_unlocked_order_takes_new_times_tubes_and_is_finalized_again(
    finalized, phleb_north, an_hour_ago
):
    client, code, sst, urine = (finalized[k] for k in ("client", "code", "sst", "urine"))
    unlocked = unlock(finalized).json()
    assert unlocked["status"] == "unlocked"
    assert unlocked["actions"] == [
        "collect",
        "process",
        "add_tubes",
        "remove_tubes",
        "finalize",
        "cancel",
    ]

    drawn = an_hour_ago - timedelta(minutes=30)
    assert post(client, code, "collect", {"collected_at": drawn.isoformat()}).status_code == 200
    spun = drawn + timedelta(minutes=40)
    assert post(client, code, "process", {"processed_at": spun.isoformat()}).status_code == 200
    added = post(client, code, "add-tubes", {"tubes": ["1ED10"]}).json()
    edta = next(spec["id"] for spec in added["specimens"] if spec["type"] == "1ED10")
    body = {"collected_at": drawn.isoformat(), "barcodes": [edta]}
    assert post(client, code, "collect", body).status_code == 200
    removed = post(client, code, "remove-tubes", {"barcodes": [urine]}).json()
    assert {s["id"]: s["status"] for s in removed["specimens"]}[urine] == "disposed"
    refinalized = post(client, code, "finalize").json()
    assert refinalized["status"] == "finalized"

    sst_row = Specimen.objects.get(barcode=sst)
    assert (sst_row.collected_at, sst_row.processed_at) == (drawn, spun)
    # The reason is a note beside the chain (its digest in the event); read as a person sees it.
    times = [notes.read(event.details) for event in amended_events(sst)]
    assert times == [
        {
            "reason": WHY,
            "changes": {"collected_at": {"old": an_hour_ago.isoformat(), "new": drawn.isoformat()}},
            # The tube was processed 45 minutes after the old time: 75 after the new one.
            "minutes_after_collection": 75,
        },
        {
            "reason": WHY,
            "changes": {
                "processed_at": {
                    "old": (an_hour_ago + timedelta(minutes=45)).isoformat(),
                    "new": spun.isoformat(),
                }
            },
            "minutes_after_collection": 40,
        },
    ]
    assert {event.actor for event in amended_events(sst)} == {phleb_north}
    assert notes.reason(sst_row.history.latest()) == WHY
    assert [e.kind for e in Specimen.objects.get(barcode=edta).custody_events.all()] == [
        "labeled",
        "amended",
        "collected",
    ]
    assert [e.kind for e in Specimen.objects.get(barcode=urine).custody_events.all()] == [
        "labeled",
        "collected",
        "amended",
        "amended",
        "disposed",
    ]
    assert list(OrderEvent.objects.values_list("action", flat=True)) == [
        "created",
        "collected",
        "processed",
        "finalized",
        "unlocked",
        "amended",
        "amended",
        "amended",
        "amended",
        "amended",
        "finalized",
    ]


def test_a_processing_time_re_entered_decides_the_qc_flags_anew(finalized, an_hour_ago):
    client, code, sst = finalized["client"], finalized["code"], finalized["sst"]
    unlock(finalized)
    early = (an_hour_ago + timedelta(minutes=20)).isoformat()
    flagged = post(client, code, "process", {"processed_at": early}).json()
    assert {s["id"]: s["qc_flags"] for s in flagged["specimens"]}[sst] == ["processing_too_early"]
    on_time = (an_hour_ago + timedelta(minutes=50)).isoformat()
    cleared = post(client, code, "process", {"processed_at": on_time}).json()
    assert {s["id"]: s["qc_flags"] for s in cleared["specimens"]}[sst] == []


def test_a_finalized_order_is_not_amended_before_unlock(finalized, an_hour_ago):
    client, code, sst = finalized["client"], finalized["code"], finalized["sst"]
    before = (chain_state(), OrderEvent.objects.count())
    later = (an_hour_ago + timedelta(minutes=50)).isoformat()
    for step, body in [
        ("process", {"processed_at": later, "barcodes": [sst]}),
        ("add-tubes", {"tubes": ["1ED10"]}),
        ("remove-tubes", {"barcodes": [sst]}),
    ]:
        problem = assert_problem(post(client, code, step, body), 409, "order_status_conflict")
        assert "Unlock it first" in problem["detail"]
    assert (chain_state(), OrderEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("step", "body", "status", "code"),
    [
        ("add-tubes", {"tubes": []}, 400, "invalid"),
        ("add-tubes", {}, 400, "invalid"),
        ("add-tubes", {"tubes": "1ED10"}, 400, "invalid"),
        ("add-tubes", {"tubes": ["9XX99"]}, 400, "unknown_tube_code"),
        ("add-tubes", {"tubes": ["SERUM"]}, 400, "tube_not_in_tube_set"),
        ("add-tubes", {"tubes": ["1ED10"], "notes": "x"}, 400, "unknown_field"),
        ("remove-tubes", {"barcodes": []}, 400, "invalid"),
        ("remove-tubes", {"barcodes": ["BX0000001X"]}, 400, "invalid_check_character"),
        ("remove-tubes", {"barcodes": ["BX0000099"]}, 400, "invalid_id_format"),
        ("collect", {"collected_at": "yesterday"}, 400, "invalid"),
    ],
)
def test_bad_amendments_are_refused_and_change_nothing(finalized, step, body, status, code):
    unlock(finalized)
    before = (chain_state(), OrderEvent.objects.count())
    assert_problem(post(finalized["client"], finalized["code"], step, body), status, code)
    assert (chain_state(), OrderEvent.objects.count()) == before


def test_a_tube_of_another_order_is_not_removed(finalized, make_order):
    other = make_order("1UR10").specimens.get().barcode
    unlock(finalized)
    before = (chain_state(), OrderEvent.objects.count())
    body = {"barcodes": [other]}
    response = post(finalized["client"], finalized["code"], "remove-tubes", body)
    assert_problem(response, 400, "tube_not_in_order")
    assert (chain_state(), OrderEvent.objects.count()) == before


def test_a_collection_time_after_processing_is_refused(finalized, an_hour_ago):
    unlock(finalized)
    before = (chain_state(), OrderEvent.objects.count())
    late = (an_hour_ago + timedelta(minutes=50)).isoformat()
    response = post(finalized["client"], finalized["code"], "collect", {"collected_at": late})
    problem = assert_problem(response, 400, "processing_before_collection")
    assert "Re-enter the processing time too" in problem["detail"]
    assert (chain_state(), OrderEvent.objects.count()) == before


def test_a_tube_that_left_the_site_is_not_removed(finalized, phleb_north):
    unlock(finalized)
    force(Specimen.objects.get(barcode=finalized["urine"]), "packed", actor=phleb_north)
    before = (chain_state(), OrderEvent.objects.count())
    body = {"barcodes": [finalized["urine"]]}
    response = post(finalized["client"], finalized["code"], "remove-tubes", body)
    assert_problem(response, 409, "transition_not_allowed")
    assert (chain_state(), OrderEvent.objects.count()) == before


@pytest.mark.parametrize(("persona", "status"), [("tech", 403), ("phleb_south", 404)])
def test_only_the_sites_phlebotomist_amends(finalized, api, persona, status, request):
    unlock(finalized)
    before = (chain_state(), OrderEvent.objects.count())
    client = api(request.getfixturevalue(persona))
    response = post(client, finalized["code"], "add-tubes", {"tubes": ["1ED10"]})
    assert_problem(response, status, "role_forbids_action" if status == 403 else "not_found")
    assert (chain_state(), OrderEvent.objects.count()) == before


def test_a_tube_added_but_never_collected_is_not_given_a_processing_time(finalized, an_hour_ago):
    unlock(finalized)
    client, code = finalized["client"], finalized["code"]
    added = post(client, code, "add-tubes", {"tubes": ["1SST8"]}).json()
    (new,) = {spec["id"] for spec in added["specimens"]} - {finalized["sst"], finalized["urine"]}
    before = (chain_state(), OrderEvent.objects.count())
    late = (an_hour_ago + timedelta(minutes=50)).isoformat()
    response = post(client, code, "process", {"processed_at": late, "barcodes": [new]})
    assert_problem(response, 409, "transition_not_allowed")
    assert (chain_state(), OrderEvent.objects.count()) == before
    assert Specimen.objects.get(barcode=new).processed_at is None

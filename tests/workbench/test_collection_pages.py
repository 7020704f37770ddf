"""The collection site's pages through the test client: each step, and each form's bad input
answered with a sentence while nothing changes in the database."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from specimens.models import CollectionOrder, CustodyEvent, OrderEvent, Participant, Specimen
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db
SAFE = {
    "donated_blood_past_week": "no",
    "transfusion_past_6_months": "no",
    "fainting_history": "no",
}


def _local(moment) -> str:
    """A time as the site's datetime-local field takes it (SITE-NORTH is America/Chicago)."""
    return timezone.localtime(moment, ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M")


def _alerts(response) -> str:
    return response.content.decode()


def test_the_work_queue_lists_todays_and_unfinalized_orders_with_what_is_next(
    page_for, phleb_north, order
):
    page = page_for(phleb_north).get("/collect/").content.decode()
    assert page.count(order.code) >= 2
    assert "Print labels and collect" in page
    assert page.count('name="scan"') == 1 and "autofocus" in page


def test_a_participant_is_looked_up_by_scanning_and_registered(page_for, phleb_north, north):
    client = page_for(phleb_north)
    unknown = client.get("/collect/participants/", {"scan": "P000000777"})
    assert "P000000777: no participant with this ID at your sites." in unknown.content.decode()
    made = client.post("/collect/participants/", {"participant_id": "p000000777"})
    assert made["Location"] == "/collect/participants/P000000777"
    assert Participant.objects.get(participant_id="P000000777").registered_site == north
    found = client.get("/collect/participants/", {"scan": " p000000777 "})
    assert found["Location"] == "/collect/participants/P000000777"


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("X12", "A participant ID is P and 9 digits"),
        ("", "This field is required."),
        ("P000000123", "P000000123 is already registered."),
    ],
)
def test_registering_a_bad_participant_id_says_why_and_registers_nobody(
    page_for, phleb_north, person, value, sentence
):
    response = page_for(phleb_north).post("/collect/participants/", {"participant_id": value})
    assert response.status_code == 200 and sentence in response.content.decode()
    assert f'value="{value}"' in response.content.decode() or not value
    assert Participant.objects.count() == 1


def test_a_withdrawn_participant_is_marked_and_no_order_can_start(
    page_for, phleb_north, person, tube_catalog
):
    from specimens import services

    services.participant_withdraw(
        actor=phleb_north, participant=person, destroy_samples=False, ceremony="", reason="asked"
    )
    client = page_for(phleb_north)
    page = client.get("/collect/participants/P000000123").content.decode()
    assert "Withdrawn on" in page and "No order can be started." in page
    assert "new-order" not in page
    refused = client.get("/collect/participants/P000000123/new-order", follow=True)
    assert "P000000123 withdrew consent: no order can be started." in refused.content.decode()
    assert not CollectionOrder.objects.exists()


def test_a_new_order_asks_safety_first_then_lists_the_tube_set_ticked(
    page_for, phleb_north, person, tube_catalog
):
    client = page_for(phleb_north)
    url = "/collect/participants/P000000123/new-order"
    first = client.get(url).content.decode()
    assert "Safety questions" in first and 'name="tubes"' not in first
    risky = client.get(url, {**SAFE, "fainting_history": "yes"}).content.decode()
    assert "1SST8" in risky and "history of fainting, offer urine and saliva only" in risky
    made = client.post(
        f"{url}?donated_blood_past_week=no&transfusion_past_6_months=no&fainting_history=no",
        {"tubes": ["1SST8", "1ED10"]},
    )
    order = CollectionOrder.objects.get()
    assert made["Location"] == f"/collect/orders/{order.code}/labels"
    assert sorted(order.specimens.values_list("type__code", flat=True)) == ["1ED10", "1SST8"]


def test_a_tube_the_safety_answers_rule_out_is_refused_with_the_reason(
    page_for, phleb_north, person, tube_catalog
):
    query = "donated_blood_past_week=no&transfusion_past_6_months=yes&fainting_history=no"
    response = page_for(phleb_north).post(
        f"/collect/participants/P000000123/new-order?{query}", {"tubes": ["1ED10", "1UR10"]}
    )
    page = response.content.decode()
    assert "1ED10: no blood after a transfusion in the past 6 months." in page
    assert 'value="1UR10" checked' in page  # what was ticked stays ticked
    assert not CollectionOrder.objects.exists()


def test_an_order_without_tubes_is_refused(page_for, phleb_north, person, tube_catalog):
    query = "donated_blood_past_week=no&transfusion_past_6_months=no&fainting_history=no"
    page = page_for(phleb_north).post(f"/collect/participants/P000000123/new-order?{query}", {})
    assert "Choose at least one tube for the order." in page.content.decode()
    assert not CollectionOrder.objects.exists()


def test_collecting_by_scanning_records_each_tube_and_refuses_another_orders_tube(
    page_for, phleb_north, order, finalized
):
    other = finalized("1ED10", finalize=False)[0]
    sst, edta = order.specimens.order_by("type__code").reverse()
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}/collect"
    drawn = timezone.now() - timedelta(minutes=45)
    answer = client.post(url, {"scan": sst.barcode, "collected_at": _local(drawn), "notes": ""})
    page = answer.content.decode()
    assert f"{sst.barcode} collected (1SST8)." in page and 'role="status"' in page
    assert f'value="{_local(drawn)}"' in page  # the time typed stays for the next scan
    refused = client.post(url, {"scan": other.barcode, "collected_at": _local(drawn)})
    assert (
        f"{other.barcode} belongs to order {other.order.code}, not {order.code}"
        in refused.content.decode()
    )
    assert Specimen.objects.get(pk=sst.pk).status == "collected"
    assert Specimen.objects.get(pk=edta.pk).status == "labeled"
    assert CustodyEvent.objects.filter(specimen=sst, kind="collected", actor=phleb_north).exists()


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"scan": ""}, "Scan or type an ID first."),
        ({"collected_at": "yesterday"}, "Collected at: Enter a valid date/time."),
        ({"notes": "call Jane Smith at 555-123-4567"}, "The notes looks like it contains"),
        ({"collected_at": "2099-01-01T10:00"}, "lies in the future"),
        ({"scan": "BX0000001Q"}, "wrong check character"),
    ],
)
def test_a_bad_collection_scan_says_why_and_changes_nothing(
    page_for, phleb_north, order, fields, sentence
):
    tube = order.specimens.first()
    data = {"scan": tube.barcode, "collected_at": _local(timezone.now()), "notes": "", **fields}
    before = chain_state()
    page = page_for(phleb_north).post(f"/collect/orders/{order.code}/collect", data)
    body = page.content.decode()
    assert 'role="alert"' in body and sentence in body
    assert chain_state() == before


def _collected(order, who, minutes_ago=45):
    from specimens import services

    drawn = timezone.now() - timedelta(minutes=minutes_ago)
    services.order_collect(actor=who, order=order, collected_at=drawn)
    return drawn


def test_processing_shows_the_window_and_records_times(page_for, phleb_north, order):
    drawn = _collected(order, phleb_north)
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}/process"
    page = client.get(url).content.decode()
    assert "clot at least 30 min" in page and "within 4 h" in page and "data-since" in page
    done = client.post(url, {"processed_at": _local(drawn + timedelta(minutes=40))})
    assert done["Location"] == f"/collect/orders/{order.code}"
    sst = order.specimens.get(type__code="1SST8")
    assert Specimen.objects.get(pk=sst.pk).status == "processed"


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"processed_at": "soon"}, "Enter a valid date/time."),
        ({"processed_at": "BEFORE"}, "would be at or before it"),
        ({"centrifuge": "fixed_angle"}, "centrifuge; use the matching tube code"),
        ({"centrifuge": "spin"}, "Select a valid choice."),
    ],
)
def test_bad_processing_input_says_why_and_changes_nothing(
    page_for, phleb_north, order, fields, sentence
):
    drawn = _collected(order, phleb_north)
    data = {"processed_at": _local(drawn + timedelta(minutes=40)), **fields}
    if data["processed_at"] == "BEFORE":
        data["processed_at"] = _local(drawn - timedelta(minutes=5))
    before = chain_state()
    response = page_for(phleb_north).post(f"/collect/orders/{order.code}/process", data)
    assert response.status_code == 400 and sentence in response.content.decode()
    assert chain_state() == before


def test_finalizing_warns_then_finalizes(page_for, phleb_north, order):
    from specimens import services

    sst = order.specimens.get(type__code="1SST8")
    drawn = timezone.now() - timedelta(minutes=50)
    services.order_collect(
        actor=phleb_north, order=order, collected_at=drawn, barcodes=[sst.barcode]
    )
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}/finalize"
    refused = client.post(url)
    assert refused.status_code == 400 and "Record processing of" in refused.content.decode()
    services.order_process(
        actor=phleb_north, order=order, processed_at=drawn + timedelta(minutes=10)
    )
    page = client.get(url).content.decode()
    assert "were not collected and will not be shipped" in page
    assert "outside the program" in page
    assert client.post(url)["Location"] == f"/collect/orders/{order.code}"
    assert CollectionOrder.objects.get(pk=order.pk).status == "finalized"


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"cancel-reason": ""}, "This field is required."),
        ({"cancel-reason": "bored"}, "Select a valid choice."),
        ({"cancel-reason": "other", "cancel-reason_text": ""}, "needs a few words"),
        (
            {"cancel-reason": "other", "cancel-reason_text": "born 1970-01-02"},
            "The reason text looks like it contains",
        ),
    ],
)
def test_a_cancel_without_a_good_reason_says_why_and_changes_nothing(
    page_for, phleb_north, order, fields, sentence
):
    events = OrderEvent.objects.count()
    response = page_for(phleb_north).post(f"/collect/orders/{order.code}/cancel", fields)
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert CollectionOrder.objects.get(pk=order.pk).status == "open"
    assert OrderEvent.objects.count() == events


def test_cancel_restore_and_unlock_take_listed_reasons(page_for, phleb_north, order):
    client = page_for(phleb_north)
    url = f"/collect/orders/{order.code}"
    client.post(f"{url}/cancel", {"cancel-reason": "created_in_error"})
    assert CollectionOrder.objects.get(pk=order.pk).status == "cancelled"
    page = client.get(url).content.decode()
    assert "Restore the order" in page and "Cancel the order" not in page
    client.post(f"{url}/restore", {"restore-reason": "other", "restore-reason_text": "mistake"})
    assert CollectionOrder.objects.get(pk=order.pk).status == "open"
    event = OrderEvent.objects.filter(order=order, action="restored").get()
    assert (event.reason_code, event.reason_text, event.actor) == ("other", "mistake", phleb_north)


def test_an_auditor_reads_an_order_without_any_button(page_for, order, auditor):
    page = page_for(auditor).get(f"/collect/orders/{order.code}").content.decode()
    assert order.code in page and "<button>" not in page.split("<main")[1].split("History")[0]
    assert page_for(auditor).post(f"/collect/orders/{order.code}/cancel").status_code == 403


def test_the_work_queue_filters_its_lists_by_status_and_participant(
    page_for, phleb_north, order, finalized
):
    other = finalized("1ED10")[0].order
    client = page_for(phleb_north)
    finalized_only = client.get("/collect/", {"status": "finalized"}).content.decode()
    assert other.code in finalized_only and order.code not in finalized_only
    by_person = client.get("/collect/", {"participant": "p000000123"}).content.decode()
    assert order.code in by_person and other.code not in by_person
    bad = client.get("/collect/", {"status": "lost"}).content.decode()
    assert "Select a valid choice." in bad

"""POST batch/: a station's keyed scans in one request, each applied in order and answered as
its own endpoint answers it, each remembered under its own key."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims import notes
from lims.api.batch import Batchable, register
from lims.models import IdempotencyKey
from specimens import services
from specimens.api.serializers import WeighSerializer
from specimens.models import CustodyEvent, Specimen
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db

URINE = "1UR10"


@pytest.fixture
def urines(make_order, phleb_north, an_hour_ago):
    """``urines(n)``: n collected urine tubes of one order, by barcode."""

    def make(count: int) -> list[Specimen]:
        order = services.order_collect(
            actor=phleb_north, order=make_order(*[URINE] * count), collected_at=an_hour_ago
        )
        return list(order.specimens.order_by("barcode"))

    return make


def weighing(key: str, barcode: str, grams: str = "10.150", **body) -> dict:
    body = {"grams": grams, "device": "SCALE-1", "stable": True, **body}
    return {"key": key, "path": f"specimens/{barcode}/weigh/", "body": body}


def send(client, *requests):
    return client.post("/api/v1/batch/", {"requests": list(requests)}, format="json")


def results(answer) -> list[dict]:
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def weighed() -> list[tuple[str, str]]:
    events = CustodyEvent.objects.filter(kind="weighed").order_by("pk")
    return [
        (tube, details["grams"])
        for tube, details in events.values_list("specimen__barcode", "details")
    ]


def test_each_weighing_is_applied_in_batch_order_and_answered_as_on_its_own(
    api, phleb_north, urines
):
    tubes = urines(4)
    order = [tubes[2], tubes[0], tubes[3], tubes[1]]
    client = api(phleb_north)
    answers = results(
        send(
            client,
            *(weighing(f"st-{n}", tube.barcode, f"1{n}.000") for n, tube in enumerate(order)),
        )
    )
    assert [(a["key"], a["status"]) for a in answers] == [(f"st-{n}", 200) for n in range(4)]
    # Custody in the order of the scans, not of the tubes' keys.
    assert weighed() == [(tube.barcode, f"1{n}.000") for n, tube in enumerate(order)]
    for tube, answer in zip(order, answers, strict=True):
        on_its_own = client.get(f"/api/v1/specimens/{tube.barcode}/").json()
        assert answer["body"] == on_its_own
    assert answers[0]["body"]["weight_g"] == "10.000"
    assert answers[0]["body"]["volume_ul"] == 9852
    event = CustodyEvent.objects.filter(kind="weighed").first()
    assert (event.actor, event.details["device"]) == (phleb_north, "SCALE-1")
    history = Specimen.history.filter(barcode=order[0].barcode, weight_g__isnull=False).get()
    assert (history.history_user, notes.reason(history)) == (phleb_north, "weighed")


def test_a_single_weighing_and_a_batched_one_answer_alike(api, phleb_north, urines):
    first, second = urines(2)
    client = api(phleb_north)
    alone = client.post(
        f"/api/v1/specimens/{first.barcode}/weigh/", weighing("x", "x")["body"], format="json"
    )
    batched = results(send(client, weighing("k1", second.barcode)))[0]["body"]
    assert alone.status_code == 200
    differing = {k for k in alone.json() if alone.json()[k] != batched[k]}
    assert differing == {"id"}


def test_each_refused_request_gets_its_own_problem_and_changes_nothing(
    api, phleb_north, phleb_south, urines, make_order
):
    good, held, later = urines(3)
    client = api(phleb_north)
    client.post(f"/api/v1/specimens/{held.barcode}/hold/", {"reason": "leaking"})
    labeled = make_order(URINE).specimens.get()
    wrong_check = good.barcode[:-1] + ("A" if good.barcode[-1] != "A" else "B")
    requests = [
        weighing("k1", good.barcode),
        weighing("k2", held.barcode),
        weighing("k3", labeled.barcode),
        weighing("k4", wrong_check),
        weighing("k5", "BN9999999Z"),
        weighing("k6", later.barcode, grams="0"),
        weighing("k7", later.barcode, stable=False),
        weighing("k8", later.barcode, tare="1"),
        {"key": "k9", "path": f"specimens/{later.barcode}/hold/", "body": {"reason": "x"}},
        {"key": "k10", "path": "nowhere/at/all/", "body": {}},
        weighing("k11", later.barcode, grams="11"),
        *(
            {"key": f"p{n}", "path": path, "body": {}}
            for n, path in enumerate(["p/?x=1", "http://x/p/", "../admin/", "ö/", "/auth/me/"])
        ),
    ]
    before = chain_state()
    answers = results(send(client, *requests))
    statuses = [(a["status"], a["body"].get("code")) for a in answers]
    assert statuses == [
        (200, None),
        (409, "specimen_on_hold"),
        (409, "transition_not_allowed"),
        (400, "invalid_check_character"),
        (400, "invalid_check_character"),
        (400, "weight_out_of_range"),
        (400, "weight_not_stable"),
        (400, "unknown_field"),
        (400, "not_batchable"),
        (404, "not_found"),
        (200, None),
        *[(400, "invalid")] * 5,
    ]
    assert answers[1]["body"]["detail"].startswith(f"Tube {held.barcode} is on hold (leaking)")
    assert answers[8]["body"]["detail"].startswith(f"POST /api/v1/specimens/{later.barcode}/hold/")
    assert weighed() == [(good.barcode, "10.150"), (later.barcode, "11.000")]
    assert Specimen.objects.get(pk=held.pk).custody_seq == before[2][1][1]
    # Another site's tube does not exist for this user.
    other = results(send(api(phleb_south), weighing("s1", good.barcode)))[0]
    assert (other["status"], other["body"]["code"]) == (404, "not_found")


def test_an_auditor_may_not_weigh_in_a_batch_either(api, north_auditor, urines):
    (tube,) = urines(1)
    answer = results(send(api(north_auditor), weighing("a1", tube.barcode)))[0]
    assert (answer["status"], answer["body"]["code"]) == (403, "role_forbids_action")
    assert weighed() == []


def test_a_tube_named_twice_is_weighed_twice_in_order(api, phleb_north, urines):
    (tube, other) = urines(2)
    answers = results(
        send(
            api(phleb_north),
            weighing("k1", tube.barcode, "10"),
            weighing("k2", other.barcode, "12"),
            weighing("k3", tube.barcode.lower(), "11"),
            weighing("k4", tube.barcode, "13"),
        )
    )
    assert [a["body"]["weight_g"] for a in answers] == ["10.000", "12.000", "11.000", "13.000"]
    assert weighed() == [
        (tube.barcode, "10.000"),
        (other.barcode, "12.000"),
        (tube.barcode, "11.000"),
        (tube.barcode, "13.000"),
    ]
    assert Specimen.objects.get(pk=tube.pk).weight_g == Decimal("13.000")
    weights = Specimen.history.filter(barcode=tube.barcode, weight_g__isnull=False)
    assert list(weights.order_by("history_id").values_list("weight_g", flat=True)) == [
        Decimal(10),
        Decimal(11),
        Decimal(13),
    ]


def test_a_batch_sent_again_is_answered_as_before_and_applied_once(api, phleb_north, urines):
    first, second, third = urines(3)
    client = api(phleb_north)
    once = results(send(client, weighing("k1", first.barcode), weighing("k2", "BN9999999Z")))
    # The same two requests and one new one: only the new one is applied.
    again = results(
        send(
            client,
            weighing("k1", first.barcode),
            weighing("k2", "BN9999999Z"),
            weighing("k3", second.barcode),
        )
    )
    assert again[:2] == once
    assert again[2]["status"] == 200
    assert weighed() == [(first.barcode, "10.150"), (second.barcode, "10.150")]
    assert set(IdempotencyKey.objects.values_list("key", "status_code")) == {
        ("k1", 200),
        ("k2", 400),
        ("k3", 200),
    }
    # A key used before for another request is refused, and keeps its first answer.
    reused = results(send(client, weighing("k1", third.barcode)))[0]
    assert (reused["status"], reused["body"]["code"]) == (422, "idempotency_key_reused")
    assert results(send(client, weighing("k1", first.barcode)))[0] == once[0]
    assert len(weighed()) == 2


def test_collect_goes_through_a_batch_as_on_its_own(api, phleb_north, make_order, an_hour_ago):
    order = make_order(URINE, URINE)
    first, second = order.specimens.order_by("barcode")
    at = an_hour_ago.isoformat()

    def collect(key, barcode, notes=""):
        body = {"collected_at": at, "barcodes": [barcode], "notes": notes}
        return {"key": key, "path": f"orders/{order.code}/collect/", "body": body}

    client = api(phleb_north)
    answers = results(
        send(
            client,
            collect("c1", first.barcode, notes="first draw"),
            collect("c2", "BN9999999Z"),
            collect("c3", second.barcode),
        )
    )
    assert [a["status"] for a in answers] == [200, 400, 200]
    assert answers[1]["body"]["code"] == "invalid_check_character"
    assert answers[2]["body"] == client.get(f"/api/v1/orders/{order.code}/").json()
    assert set(order.specimens.values_list("status", flat=True)) == {"collected"}
    history = Specimen.history.filter(barcode=first.barcode, status="collected").get()
    assert (history.history_user, notes.reason(history)) == (phleb_north, "first draw")


def test_a_request_that_fails_on_the_server_fails_the_whole_batch(
    api, phleb_north, make_order, an_hour_ago, urines, monkeypatch
):
    (tube,) = urines(1)
    order = make_order(URINE)
    real_collect = services.order_collect

    def collect_then_crash(**options):
        real_collect(**options)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "order_collect", collect_then_crash)
    before = chain_state()
    answer = send(
        api(phleb_north),
        weighing("k1", tube.barcode),
        {
            "key": "k2",
            "path": f"orders/{order.code}/collect/",
            "body": {"collected_at": an_hour_ago.isoformat()},
        },
    )
    body = assert_problem(answer, 500, "batch_item_failed")
    assert "Request 2 of the batch (key k2)" in body["detail"]
    assert chain_state() == before
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("envelope", "field", "code"),
    [
        ([], "non_field_errors", "invalid"),
        ({}, "requests", "invalid"),
        ({"requests": []}, "requests", "invalid"),
        ({"requests": "specimens"}, "requests", "invalid"),
        ({"requests": [{"key": "k", "path": "p/"}]}, "requests", "invalid"),
        ({"requests": [{"key": "k", "path": "p/", "body": [1]}]}, "requests", "invalid"),
        ({"requests": [{"key": "", "path": "p/", "body": {}}]}, "requests", "invalid"),
        ({"requests": [{"key": "a b", "path": "p/", "body": {}}]}, "requests", "invalid"),
        (
            {"requests": [{"key": "k", "path": "p/", "body": {}, "x": 1}]},
            "requests",
            "unknown_field",
        ),
        ({"requests": [], "reason": "x"}, "reason", "unknown_field"),
    ],
)
def test_a_malformed_batch_is_refused_whole(api, phleb_north, urines, envelope, field, code):
    urines(1)
    before = chain_state()
    answer = api(phleb_north).post("/api/v1/batch/", envelope, format="json")
    assert field in assert_problem(answer, 400, code)["errors"]
    assert chain_state() == before
    assert not IdempotencyKey.objects.exists()


def test_repeated_keys_and_oversized_batches_are_refused_whole(api, phleb_north, urines):
    (tube,) = urines(1)
    client = api(phleb_north)
    twice = send(client, weighing("k1", tube.barcode), weighing("k1", tube.barcode, "11"))
    assert "repeated: k1" in assert_problem(twice, 400, "invalid")["detail"]
    many = send(client, *(weighing(f"k{n}", tube.barcode) for n in range(201)))
    assert_problem(many, 400, "invalid")
    assert weighed() == []


def test_a_batch_needs_a_signed_in_user(api, urines):
    (tube,) = urines(1)
    assert_problem(send(api(), weighing("k1", tube.barcode)), 401, "not_authenticated")
    assert weighed() == []


def test_weighings_take_the_same_queries_for_five_tubes_as_for_fifty(api, phleb_north, urines):
    tubes = urines(25)
    client = api(phleb_north)

    def queries(batch: list[Specimen], prefix: str) -> int:
        requests = [weighing(f"{prefix}{n}", tube.barcode) for n, tube in enumerate(batch)]
        with CaptureQueriesContext(connection) as captured:
            assert {a["status"] for a in results(send(client, *requests))} == {200}
        return len(captured)

    assert queries(tubes[:5], "a") == queries(tubes[5:], "b")


def test_a_run_of_weighings_that_fails_on_the_server_fails_the_whole_batch(
    api, phleb_north, urines, monkeypatch
):
    tubes = urines(3)

    def crash(**options):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "specimens_weigh", crash)
    before = chain_state()
    answer = send(
        api(phleb_north),
        weighing("bad", tubes[0].barcode, tare="1"),
        *(weighing(f"k{n}", tube.barcode) for n, tube in enumerate(tubes)),
    )
    body = assert_problem(answer, 500, "batch_item_failed")
    assert "One of requests 2 to 4 of the batch (keys k0 to k2)" in body["detail"]
    assert chain_state() == before
    assert not IdempotencyKey.objects.exists()


def test_a_second_batchable_for_a_route_is_a_configuration_error():
    taken = Batchable(
        route="specimen-weigh", body=WeighSerializer, apply=list, answer=WeighSerializer
    )
    with pytest.raises(ImproperlyConfigured, match="specimen-weigh"):
        register(taken)


@pytest.mark.parametrize("field", ["path", "key"])
def test_a_path_or_key_that_is_not_a_string_refuses_the_batch(api, phleb_north, urines, field):
    (tube,) = urines(1)
    request = {**weighing("k1", tube.barcode), field: 0}
    body = assert_problem(send(api(phleb_north), request), 400, "invalid")
    assert field in str(body["errors"])
    assert weighed() == []


def test_a_scan_sent_alone_and_retried_in_a_batch_under_its_key_is_replayed(
    api, phleb_north, urines
):
    (tube,) = urines(1)
    client = api(phleb_north)
    alone = client.post(
        f"/api/v1/specimens/{tube.barcode}/weigh/",
        '{"stable": true, "device": "SCALE-1",   "grams": "10.150"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="scan-7",
    )
    assert alone.status_code == 200
    retried = {**weighing("scan-7", tube.barcode), "path": f"specimens/{tube.barcode}/weigh"}
    (answer,) = results(send(client, retried))
    assert (answer["status"], answer["body"]) == (200, alone.json())
    assert weighed() == [(tube.barcode, "10.150")]

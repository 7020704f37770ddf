"""Bad input on the specimen endpoints: a clear problem+json answer, and nothing changed."""

from datetime import timedelta

import pytest

from barcode_printing.ids import format_id
from specimens import services
from specimens.models import Participant
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(make_order, phleb_north, an_hour_ago):
    order = make_order("1SST8")
    return services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)


def wrong_check(barcode: str) -> str:
    return barcode[:-1] + ("A" if barcode[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("path", "payload", "status", "code"),
    [
        (
            "participants/P000000001/withdraw/",
            {"destroy_samples": True, "ceremony": "perhaps", "reason": "asked"},
            400,
            "invalid",
        ),
        (
            "participants/P000000099/withdraw/",
            {"destroy_samples": True, "ceremony": "yes", "reason": "asked"},
            404,
            "not_found",
        ),
        (
            # Processing times keyed by the order's tube with a mistyped check character.
            "orders/{order}/process/",
            "times for the mistyped tube",
            400,
            "invalid_check_character",
        ),
        (
            "orders/{order}/collect/",
            {"collected_at": "2026-01-01T00:00:00Z", "tube": "x"},
            400,
            "unknown_field",
        ),
        ("specimens/{unknown}/hold/", {"reason": "cracked"}, 404, "not_found"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    api, phleb_north, order, path, payload, status, code
):
    tube = order.specimens.get().barcode
    values = {"order": order.code, "bad": wrong_check(tube), "unknown": format_id("BX", 9_999_999)}
    path = path.format(**values)
    if payload == "times for the mistyped tube":
        payload = {"times": {values["bad"]: "2026-01-01T00:00:00Z"}}
    before = (chain_state(), list(Participant.objects.values_list("consent", flat=True)))
    assert_problem(api(phleb_north).post(f"/api/v1/{path}", payload, format="json"), status, code)
    assert (chain_state(), list(Participant.objects.values_list("consent", flat=True))) == before


def _history_rows(order) -> list[int]:
    return [tube.history.count() for tube in order.specimens.order_by("pk")]


@pytest.mark.parametrize("code", ["1UR10", "1UR90", "1SAL", "1ED10"])
def test_processing_a_tube_whose_type_is_not_processed_is_refused(
    api, phleb_north, make_order, an_hour_ago, code
):
    order = make_order("1SST8", code)
    services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)
    unprocessed = order.specimens.get(type__code=code).barcode
    before = (chain_state(), order.events.count(), _history_rows(order))
    body = assert_problem(
        api(phleb_north).post(
            f"/api/v1/orders/{order.code}/process/",
            {
                "processed_at": (an_hour_ago + timedelta(minutes=40)).isoformat(),
                "barcodes": [unprocessed],
            },
            format="json",
        ),
        400,
        "tube_type_not_processed",
    )
    assert f"Tube {unprocessed} is a {code} tube" in body["detail"]
    order.refresh_from_db()
    assert (chain_state(), order.events.count(), _history_rows(order)) == before
    assert order.status == "collected"


def test_processing_an_order_of_urine_only_is_refused(api, phleb_north, make_order, an_hour_ago):
    order = make_order("1UR10", "1UR90")
    services.order_collect(actor=phleb_north, order=order, collected_at=an_hour_ago)
    before = (chain_state(), order.events.count(), _history_rows(order))
    assert_problem(
        api(phleb_north).post(
            f"/api/v1/orders/{order.code}/process/",
            {"processed_at": (an_hour_ago + timedelta(minutes=40)).isoformat()},
            format="json",
        ),
        400,
        "tube_type_not_processed",
    )
    order.refresh_from_db()
    assert (chain_state(), order.events.count(), _history_rows(order)) == before
    assert order.status == "collected"

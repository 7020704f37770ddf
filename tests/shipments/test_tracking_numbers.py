"""Tracking numbers are checked with the courier's check digit where it defines one."""

import pytest

from shipments.models import Shipment
from shipments.tracking import fedex_express_check_digit, ups_check_digit
from tests.helpers import assert_problem
from tests.specimens.helpers import chain_state

pytestmark = pytest.mark.django_db

# Published examples: FedEx Express 12-digit numbers from github.com/jkeen/tracking_number_data
# (couriers/fedex.json) and 797806677146, a test number of FedEx's Web Services Track guide;
# UPS numbers from the same compilation (couriers/ups.json) and UPS's own example.
FEDEX_EXPRESS = [
    "986578788855",
    "477179081230",
    "799531274483",
    "790535312317",
    "974367662710",
    "797806677146",
    "123456789012",
]
UPS = [
    "1Z999AA10123456784",
    "1Z5R89390357567127",
    "1Z879E930346834440",
    "1Z410E7W0392751591",
    "1Z8V92A70367203024",
]


@pytest.mark.parametrize("number", FEDEX_EXPRESS)
def test_published_fedex_express_numbers_carry_their_check_digit(number):
    assert fedex_express_check_digit(number) == number[-1]


@pytest.mark.parametrize("number", UPS)
def test_published_ups_numbers_carry_their_check_digit(number):
    assert ups_check_digit(number) == number[-1]


@pytest.mark.parametrize(
    ("number", "expected"),
    [("996578788855", "6"), ("123456789013", "2"), ("477179081231", "0")],
)
def test_a_mistyped_fedex_number_has_another_check_digit(number, expected):
    assert fedex_express_check_digit(number) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1Z999AA10123456785", "4"), ("1Z1111111111111111", "8"), ("1Z999AB10123456784", "3")],
)
def test_a_mistyped_ups_number_has_another_check_digit(number, expected):
    assert ups_check_digit(number) == expected


def _dispatch(client, shipment, courier, number):
    return client.post(
        f"/api/v1/shipments/{shipment.code}/dispatch/",
        {"courier": courier, "tracking_number": number},
    )


def _state():
    return chain_state(), list(Shipment.objects.values_list("status", "tracking_number"))


@pytest.mark.parametrize(
    ("courier", "number", "expected"),
    [
        ("fedex", "996578788855", "6"),
        ("fedex", "1234 5678 9013", "2"),
        ("ups", "1Z999AA10123456785", "4"),
        ("ups", "1z 999 ab1 01 2345 678 4", "3"),
    ],
)
def test_a_wrong_check_digit_is_400_naming_the_expected_digit(
    api, phleb_north, shipment, finalized, pack, courier, number, expected
):
    pack(shipment, finalized("1ED10"))
    before = _state()
    body = assert_problem(
        _dispatch(api(phleb_north), shipment, courier, number), 400, "invalid_tracking_check_digit"
    )
    assert body["expected_check_digit"] == expected
    assert f"should be {expected}" in body["detail"]
    assert body["errors"] == {"tracking_number": [f"Check digit should be {expected}."]}
    assert _state() == before


@pytest.mark.parametrize(
    ("courier", "number"),
    [
        ("fedex", "797806677146"),
        ("ups", "1Z5R89390357567127"),
        # A 14-digit FedEx number has no check digit defined here: the format is checked.
        ("fedex", "12345678901234"),
        # Other couriers' numbers are checked for length and free text only.
        ("internal", "RUN-42"),
        ("other", "DHL 1234567890"),
    ],
)
def test_a_number_with_a_right_or_no_check_digit_dispatches(
    api, phleb_north, shipment, finalized, pack, courier, number
):
    pack(shipment, finalized("1ED10"))
    response = _dispatch(api(phleb_north), shipment, courier, number)
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == number.replace(" ", "")

"""Courier tracking numbers: the formats FedEx and UPS issue and their check digits, checked
before a dispatch is saved."""

import re

from lims.errors import InvalidInput
from lims.free_text import screen
from shipments.choices import Courier

_FEDEX = re.compile(r"^\d{12,14}$")
_UPS = re.compile(r"^1Z[0-9A-Z]{16}$")


class InvalidTrackingNumber(InvalidInput):
    code = "invalid_tracking_number"
    title = "Tracking number does not fit the courier"


class WrongTrackingCheckDigit(InvalidTrackingNumber):
    code = "invalid_tracking_check_digit"
    title = "Tracking number fails its check digit"


def fedex_express_check_digit(number: str) -> str:
    """The check digit (12th) of a 12-digit FedEx Express number, from its first 11 digits.

    FedEx Express weights the 11 digits 1, 3, 7, 1, 3, 7 … from the right, sums, takes the sum
    modulo 11 and writes a remainder of 10 as 0. This is the algorithm of FedEx's label
    specification as compiled in the tracking_number_data project
    (github.com/jkeen/tracking_number_data, couriers/fedex.json, "FedEx Express (12)"), whose
    published examples, and the test number 797806677146 of FedEx's Web Services Track
    documentation, satisfy it.
    """
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(number[:11])))
    return str(total % 11 % 10)


def ups_check_digit(number: str) -> str:
    """The check digit (18th character) of a UPS 1Z number, from the 15 characters after 1Z.

    A letter counts as (its ASCII code - 63) mod 10 (A=2, B=3 … H=9, I=0, J=1 …, as UPS maps
    them); the 1st, 3rd … characters count once and the 2nd, 4th … twice; the check digit
    brings the sum to a multiple of 10. Source: the UPS mod-10 scheme as compiled in
    github.com/jkeen/tracking_number_data (couriers/ups.json: mod10, odds multiplier 2), whose
    examples and UPS's own published example 1Z 999 AA1 01 2345 678 4 satisfy it. (The
    1Z12345E… numbers of UPS's developer sandbox do not: they are not real labels.)
    """
    body = number[2:17]
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(value * (2 if i % 2 else 1) for i, value in enumerate(values))
    return str(-total % 10)


def normalise_tracking(courier: str, text: str) -> str:
    """The tracking number as the courier writes it (spaces dropped), or a 400 saying why not."""
    number = re.sub(r"\s+", "", text or "").upper()
    if not number:
        raise InvalidTrackingNumber(
            "Enter the courier's tracking number.", errors={"tracking_number": ["Required."]}
        )
    if courier == Courier.FEDEX:
        if not _FEDEX.match(number):
            raise InvalidTrackingNumber(
                f"'{text}' is not a FedEx tracking number: FedEx numbers are 12 to 14 digits.",
                errors={"tracking_number": ["12 to 14 digits."]},
            )
        # Only the 12-digit FedEx Express numbers have a check digit defined here.
        if len(number) == 12:
            _check_digit(courier, number, fedex_express_check_digit(number))
        # A courier's own format is no free text: a few such digit runs read as foreign phones.
        return number
    if courier == Courier.UPS:
        if not _UPS.match(number):
            raise InvalidTrackingNumber(
                f"'{text}' is not a UPS tracking number: UPS numbers are 1Z and 16 letters or "
                "digits.",
                errors={"tracking_number": ["1Z and 16 characters."]},
            )
        _check_digit(courier, number, ups_check_digit(number))
        return number
    if len(number) > 40:
        raise InvalidTrackingNumber(
            "A tracking number has at most 40 characters.",
            errors={"tracking_number": ["Too long."]},
        )
    # Screened as typed: with its spaces dropped "call 617 555 0143" would hide its phone number.
    screen(text, field="tracking_number")
    return number


def _check_digit(courier: str, number: str, expected: str) -> None:
    if number[-1] != expected:
        raise WrongTrackingCheckDigit(
            f"{number} fails the {Courier(courier).label} check digit: its last character "
            f"should be {expected}, not {number[-1]}. Re-type or re-scan the number.",
            errors={"tracking_number": [f"Check digit should be {expected}."]},
            expected_check_digit=expected,
        )

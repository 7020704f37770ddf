"""Courier tracking numbers: the formats FedEx and UPS issue, checked before a dispatch is saved."""

import re

from lims.errors import InvalidInput
from lims.free_text import screen
from shipments.choices import Courier

_FEDEX = re.compile(r"^\d{12,14}$")
_UPS = re.compile(r"^1Z[0-9A-Z]{16}$")


class InvalidTrackingNumber(InvalidInput):
    code = "invalid_tracking_number"
    title = "Tracking number does not fit the courier"


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
        # A courier's own format is no free text: a few such digit runs read as foreign phones.
        return number
    # UPS publishes sample numbers that fail the folk mod-10 check, so only the form is checked.
    if courier == Courier.UPS:
        if not _UPS.match(number):
            raise InvalidTrackingNumber(
                f"'{text}' is not a UPS tracking number: UPS numbers are 1Z and 16 letters or "
                "digits.",
                errors={"tracking_number": ["1Z and 16 characters."]},
            )
        return number
    if len(number) > 40:
        raise InvalidTrackingNumber(
            "A tracking number has at most 40 characters.",
            errors={"tracking_number": ["Too long."]},
        )
    # Screened as typed: with its spaces dropped "call 617 555 0143" would hide its phone number.
    screen(text, field="tracking_number")
    return number

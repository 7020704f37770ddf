"""Telephone numbers, found and validated by ``phonenumbers`` (libphonenumber's metadata)."""

from collections.abc import Iterator

import phonenumbers

from lims.identifiers.recognizers import THRESHOLD, Finding, context_adjustment, words

MEANING = "a phone number"
# National forms are read as numbers of these countries; international (+..) forms of any.
REGIONS = ("US", "GB")
SCORE = 0.75
CONTEXT = words("call phone tel telephone mobile cell fax ph text ring reach")


def analyze(text: str) -> Iterator[Finding]:
    for region in REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            score = SCORE + context_adjustment(text, match.start, CONTEXT, damped=True)
            if score >= THRESHOLD:
                yield Finding(MEANING, match.start, match.end, score, "phone_number")

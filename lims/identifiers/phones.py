"""Telephone numbers, found and validated by ``phonenumbers`` (libphonenumber's metadata)."""

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import CountryCodeSource

from lims.identifiers.recognizers import (
    THRESHOLD,
    Finding,
    Pattern,
    PatternRecognizer,
    context_adjustment,
    words,
)

MEANING = "a phone number"
# National forms are read as numbers of these countries; international (+..) forms of any.
REGIONS = ("US", "GB")
SCORE = 0.75
CONTEXT = words("call phone tel telephone mobile cell fax ph text ring reach")

# What libphonenumber rejects but a person means: North American numbers in an unassigned area
# code, above all the 555 of films and examples, and seven-digit local numbers after "call".
PHONE_SHAPED = PatternRecognizer(
    name="phone_shaped",
    meaning=MEANING,
    patterns=(
        Pattern(re.compile(r"(?<![\w-])\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w-])"), 0.6),
        Pattern(re.compile(r"(?<![\w-])\d{3}-\d{4}(?![\w-])"), 0.3),
    ),
    context=CONTEXT,
    damped_by_lab_context=True,
)


def _written_like_a_phone_number(match: phonenumbers.PhoneNumberMatch, region: str) -> bool:
    """People write a country code with "+" or "00", except North America's "1-800-…" (eleven
    digits): a bare "44…" heading a long digit string is a parcel number, not a British phone."""
    number = phonenumbers.parse(match.raw_string, region, keep_raw_input=True)
    if number.country_code_source != CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN:
        return True
    digits = sum(character.isdigit() for character in match.raw_string)
    return number.country_code == 1 and digits == 11


def analyze(text: str) -> Iterator[Finding]:
    for region in REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            if not _written_like_a_phone_number(match, region):
                continue
            score = SCORE + context_adjustment(text, match.start, CONTEXT, damped=True)
            if score >= THRESHOLD:
                yield Finding(MEANING, match.start, match.end, score, "phone_number")
    yield from PHONE_SHAPED.analyze(text)

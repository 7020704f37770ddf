"""Specimen IDs: a deployment prefix, seven digits and an ISO 7064 Mod 37,2 check character."""

import re

from stdnum.iso7064 import mod_37_2

from lims.errors import DomainError

DIGITS = 7
MAX_NUMBER = 10**DIGITS - 1
# ISO 7064 Mod 37,2 as ISBT 128 uses it for keyboard entry: '*' is the 37th character.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"

_PREFIX = re.compile(r"[A-Z]{2}")
_SPECIMEN_ID = re.compile(rf"(?P<prefix>[A-Z]{{2}})(?P<digits>\d{{{DIGITS}}})(?P<check>[0-9A-Z*])")
# An AIM symbology identifier (ISO/IEC 15424) is "]", a code letter and a modifier: ]C0, ]d2, ...
_AIM_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# Input is echoed in error messages; a stray paste of a whole document must not be.
_ECHO_LIMIT = 40


class InvalidIdFormat(DomainError):
    code = "invalid_id_format"
    status = 400
    title = "Not a specimen ID"


class InvalidCheckCharacter(DomainError):
    code = "invalid_check_character"
    status = 400
    title = "Wrong check character"


def deployment_prefix() -> str:
    """The `LIMS_ID_PREFIX` setting, for callers that run inside the configured project."""
    from django.conf import settings

    return settings.LIMS_ID_PREFIX


def check_character(body: str) -> str:
    """The Mod 37,2 check character of `body` (upper-case letters, digits and '*')."""
    if not body or any(char not in ALPHABET for char in body):
        raise InvalidIdFormat(
            f"{_echo(body)} cannot carry a check character: use only A-Z, 0-9 and *"
        )
    return mod_37_2.calc_check_digit(body, alphabet=ALPHABET)


def format_id(prefix: str, number: int) -> str:
    """The specimen ID of `number` (1 to 9,999,999) under a two-letter deployment `prefix`."""
    if not _PREFIX.fullmatch(prefix):
        raise InvalidIdFormat(f"{_echo(prefix)} is not a deployment prefix: use two letters A-Z")
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidIdFormat(f"{number} is outside the specimen number range 1 to {MAX_NUMBER:,}")
    body = f"{prefix}{number:0{DIGITS}d}"
    return body + check_character(body)


def parse_id(text: str, *, prefix: str | None = None) -> str:
    """The canonical ID in what a scanner or a person sent, or a domain error saying what is wrong.

    Surrounding whitespace, lower case and a leading AIM symbology identifier are accepted.
    With `prefix`, an ID of another deployment is refused; without it any two letters pass.
    """
    candidate = _AIM_IDENTIFIER.sub("", text.strip()).strip().upper()
    match = _SPECIMEN_ID.fullmatch(candidate)
    if match is None:
        example = f", e.g. {format_id(prefix, 1)}" if prefix else ""
        raise InvalidIdFormat(
            f"{_echo(candidate)} is not a specimen ID: expected two letters, "
            f"{DIGITS} digits and a check character{example}"
        )
    if prefix is not None and match["prefix"] != prefix:
        raise InvalidIdFormat(
            f"{candidate} is not an ID of this deployment: its IDs start with {prefix}"
        )
    expected = check_character(match["prefix"] + match["digits"])
    if match["check"] != expected:
        raise InvalidCheckCharacter(
            f"{candidate} has a wrong check character (expected {expected}): re-scan or re-type it"
        )
    return candidate


def _echo(text: str) -> str:
    shown = text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "…"
    return shown if shown and shown.isprintable() else repr(shown)

"""Specimen IDs (two letters, seven digits, an ISO 7064 Mod 37,2 check character), stdlib only.

The one implementation of the ID scheme, shared by the server (``barcode_printing.ids`` wraps it
in domain errors) and the station (``scanner_drivers`` validates scans before sending them). It
imports nothing of the project and no third-party package, so a bench PC runs it without the
server's dependencies.
"""

import re

DIGITS = 7
MAX_NUMBER = 10**DIGITS - 1
# ISO 7064 Mod 37,2 as ISBT 128 uses it for keyboard entry: '*' is the 37th character.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_MODULUS = 37

_PREFIX = re.compile(r"[A-Z]{2}")
_SPECIMEN_ID = re.compile(rf"(?P<prefix>[A-Z]{{2}})(?P<digits>\d{{{DIGITS}}})(?P<check>[0-9A-Z*])")
# An AIM symbology identifier (ISO/IEC 15424) is "]", a code letter and a modifier: ]C0, ]d2, ...
_AIM_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# Input is echoed in error messages; a stray paste of a whole document must not be.
_ECHO_LIMIT = 40


class IdError(ValueError):
    """Text that is not a valid specimen ID; ``code`` is the stable code the API answers."""

    code = "invalid_id"


class InvalidIdFormat(IdError):
    code = "invalid_id_format"


class InvalidCheckCharacter(IdError):
    code = "invalid_check_character"


def check_character(body: str) -> str:
    """The Mod 37,2 check character of ``body`` (upper-case letters, digits and '*').

    ISO 7064's pure system with radix 2: fold each character's value into a running sum that is
    doubled modulo 37, then pick the character that brings the whole to 1 modulo 37.
    """
    if not body or any(char not in ALPHABET for char in body):
        raise InvalidIdFormat(
            f"{_echo(body)} cannot carry a check character: use only A-Z, 0-9 and *"
        )
    total = 0
    for char in body:
        total = (total + ALPHABET.index(char)) * 2 % _MODULUS
    return ALPHABET[(_MODULUS + 1 - total) % _MODULUS]


def format_id(prefix: str, number: int) -> str:
    """The specimen ID of ``number`` (1 to 9,999,999) under a two-letter deployment ``prefix``."""
    if not _PREFIX.fullmatch(prefix):
        raise InvalidIdFormat(f"{_echo(prefix)} is not a deployment prefix: use two letters A-Z")
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidIdFormat(f"{number} is outside the specimen number range 1 to {MAX_NUMBER:,}")
    body = f"{prefix}{number:0{DIGITS}d}"
    return body + check_character(body)


def parse_id(text: str, *, prefix: str | None = None) -> str:
    """The canonical ID in what a scanner or a person sent, or an ``IdError`` saying what is wrong.

    Surrounding whitespace, lower case and a leading AIM symbology identifier are accepted.
    With ``prefix``, an ID of another deployment is refused; without it any two letters pass.
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

"""The one screen for free text (notes, reasons): refuse what could identify a person.

Participants are opaque IDs; a note is the one place a name, birth date, phone number, street
address or e-mail could slip in, so every free-text field of every app passes through here.
"""

import re

from lims.errors import InvalidInput

_PATTERNS = [
    (
        "a person's name",
        re.compile(
            r"\b(?:name|first\s*name|last\s*name|surname|patient|participant)\s*[:=]\s*\S"
            r"|\b(?:mr|mrs|ms|miss|dr)\.?\s+[A-Z][a-z]+",
            re.IGNORECASE,
        ),
    ),
    (
        "a date of birth",
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|born)\b"
            r"|(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2})(?!\d)",
            re.IGNORECASE,
        ),
    ),
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "a phone number",
        re.compile(
            r"(?<![\w-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])"
            r"|(?<![\w-])\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}(?![\w-])"
        ),
    ),
    (
        "a street address",
        re.compile(
            r"\b\d{1,6}\s+(?:[A-Za-z0-9.'-]+\s+){0,4}"
            r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
            r"|terrace|circle|highway|hwy|parkway|pkwy)\b"
            r"|\bp\.?\s?o\.?\s+box\s+\d+",
            re.IGNORECASE,
        ),
    ),
]


class PossibleIdentifierInText(InvalidInput):
    code = "possible_identifier_in_text"
    title = "Text may identify a person"


class ReasonRequired(InvalidInput):
    code = "reason_required"
    title = "A reason is required"


def screen(text: str | None, *, field: str) -> str:
    """``text`` stripped, or PossibleIdentifierInText naming what it looks like."""
    text = (text or "").strip()
    for meaning, pattern in _PATTERNS:
        if pattern.search(text):
            raise PossibleIdentifierInText(
                f"The {field.replace('_', ' ')} looks like it contains {meaning}. Notes must never "
                "identify a participant: remove it and use the participant's IDs only.",
                errors={field: [f"Looks like {meaning}."]},
            )
    return text


def require_reason(reason: str | None, *, action: str, field: str = "reason") -> str:
    """A screened, non-empty reason, or ReasonRequired saying what needs one."""
    reason = screen(reason, field=field)
    if not reason:
        raise ReasonRequired(
            f"Say why you {action}: send '{field}' in the body or the X-Change-Reason header.",
            errors={field: ["This field is required."]},
        )
    return reason

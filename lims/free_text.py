"""The one screen for free text (notes, reasons): refuse what could identify a person.

Participants are opaque IDs; a note is the one place a name, birth date, phone number, street
address or e-mail could slip in, so every free-text field of every app passes through here.
"""

from lims.errors import InvalidInput
from lims.identifiers import most_certain


class PossibleIdentifierInText(InvalidInput):
    code = "possible_identifier_in_text"
    title = "Text may identify a person"


class ReasonRequired(InvalidInput):
    code = "reason_required"
    title = "A reason is required"


def screen(text: str | None, *, field: str) -> str:
    """``text`` stripped, or PossibleIdentifierInText naming what it looks like."""
    text = (text or "").strip()
    finding = most_certain(text)
    if finding:
        raise PossibleIdentifierInText(
            f"The {field.replace('_', ' ')} looks like it contains {finding.meaning}. Notes must "
            "never identify a participant: remove it and use the participant's IDs only.",
            errors={field: [f"Looks like {finding.meaning}."]},
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

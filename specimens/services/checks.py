"""Checks every write of the specimen core shares: times and reasons from fixed lists."""

from datetime import datetime, timedelta

from django.utils import timezone

from lims.free_text import screen
from specimens.errors import (
    InvalidReason,
    TimeInFuture,
)

# The program refuses any time more than five minutes ahead of the server clock.
FUTURE_TOLERANCE = timedelta(minutes=5)


def check_not_future(value: datetime, *, field: str) -> datetime:
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise TimeInFuture(
            f"The {field.replace('_', ' ')} {value:%Y-%m-%d %H:%M} UTC lies in the future; "
            "check the clock and enter the real time.",
            errors={field: ["In the future."]},
        )
    return value


def reason_from_list(choices, code: str, text: str = "", *, field: str = "reason") -> str:
    """'Label: text' for a reason chosen from a fixed list; 'other' needs text."""
    if code not in choices.values:
        raise InvalidReason(
            f"'{code}' is not one of: {', '.join(choices.values)}.",
            errors={field: ["Not on the list."]},
        )
    text = screen(text, field=f"{field}_text")
    if code == "other" and not text:
        raise InvalidReason(
            "Reason 'other' needs a few words saying what happened.",
            errors={f"{field}_text": ["Required with 'other'."]},
        )
    label = choices(code).label
    return f"{label}: {text}" if text else label

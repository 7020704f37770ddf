"""Checks every write of the specimen core shares: times and reasons from fixed lists."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from lims.free_text import screen
from specimens.errors import (
    ImplausibleTime,
    InvalidReason,
    TimeInFuture,
)

# The program refuses any time more than five minutes ahead of the server clock.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Nothing the LIMS records happened before this: an earlier time is a typing or clock error.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def check_recorded_time(value: datetime, *, field: str) -> datetime:
    """``value`` when it is a time something could have happened: not before 2000, not more
    than five minutes ahead of the server's clock."""
    if value < EARLIEST:
        raise ImplausibleTime(
            f"The {field.replace('_', ' ')} {value:%Y-%m-%d %H:%M} UTC lies before "
            f"{EARLIEST:%Y}; check the date and enter the real time.",
            errors={field: [f"Before {EARLIEST:%Y}."]},
        )
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

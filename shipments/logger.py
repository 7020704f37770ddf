"""Data-logger files: readings parsed from CSV, and the stretches that left a condition's range.

Loggers export ``timestamp,temperature`` rows, usually under a header and often in local time
without an offset; such times are read in the time zone given (the shipping site's).
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lims.csv_text import csv_rows
from lims.errors import InvalidInput
from shipments.choices import Range

MAX_ROWS = 100_000
# Colder than liquid nitrogen or hotter than any courier van: a misread, not a temperature.
PLAUSIBLE = Range(Decimal(-200), Decimal(80))
_UNIT = re.compile(r"\s*°?\s*C$", re.IGNORECASE)
_MAX_ERRORS_NAMED = 10


class InvalidLoggerFile(InvalidInput):
    code = "invalid_logger_file"
    title = "The data-logger file has rows that cannot be read"


@dataclass(frozen=True)
class Reading:
    at: datetime
    celsius: Decimal


@dataclass(frozen=True)
class Stretch:
    """Readings outside the range: from the first one out to the first one back in (or the
    last reading, if it never came back), with the furthest value reached."""

    started_at: datetime
    ended_at: datetime
    peak_c: Decimal


def parse(text: str, time_zone: str) -> list[Reading]:
    """Every reading of the file in time order, or one 400 naming each bad row by number."""
    zone = zoneinfo.ZoneInfo(time_zone)
    rows = csv_rows(text)
    if len(rows) > MAX_ROWS + 1:
        raise InvalidLoggerFile(f"A logger file has at most {MAX_ROWS} readings.")
    readings: list[Reading] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and not _looks_like_reading(cells):
            continue
        reading, problem = _reading(cells, zone)
        if problem is None and readings and reading.at <= readings[-1].at:
            problem = f"time {cells[0]} is not after the row before it"
        if problem:
            problems.append(f"Row {number}: {problem}.")
        else:
            readings.append(reading)
    if problems:
        named = problems[:_MAX_ERRORS_NAMED]
        more = len(problems) - len(named)
        detail = " ".join(named) + (f" And {more} more." if more else "")
        raise InvalidLoggerFile(
            f"Nothing was stored. {detail}", errors={"file": problems[:_MAX_ERRORS_NAMED]}
        )
    if not readings:
        raise InvalidLoggerFile(
            "The file holds no readings: expected rows of timestamp and °C.",
            errors={"file": ["No readings."]},
        )
    return readings


def _looks_like_reading(cells: list[str]) -> bool:
    return len(cells) >= 2 and _celsius(cells[1]) is not None


def _reading(cells: list[str], zone) -> tuple[Reading | None, str | None]:
    if len(cells) < 2:
        return None, "expected a timestamp and a temperature"
    try:
        at = datetime.fromisoformat(cells[0])
    except ValueError:
        return None, f"'{cells[0]}' is not a timestamp (use ISO 8601, e.g. 2026-11-20T14:05:00)"
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    celsius = _celsius(cells[1])
    if celsius is None:
        return None, f"'{cells[1]}' is not a temperature in °C"
    if not PLAUSIBLE.contains(celsius):
        return None, f"{celsius} °C is outside what a logger can read ({PLAUSIBLE})"
    return Reading(at, celsius), None


def _celsius(text: str) -> Decimal | None:
    try:
        value = Decimal(_UNIT.sub("", text))
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.1")) if value.is_finite() else None


def excursions(readings: list[Reading], allowed: Range) -> list[Stretch]:
    """The stretches of ``readings`` outside ``allowed``; the peak is the reading furthest out."""
    stretches: list[Stretch] = []
    start: Reading | None = None
    peak: Decimal | None = None
    for reading in readings:
        outside = not allowed.contains(reading.celsius)
        if outside:
            if start is None:
                start, peak = reading, reading.celsius
            elif _distance(reading.celsius, allowed) > _distance(peak, allowed):
                peak = reading.celsius
        elif start is not None:
            stretches.append(Stretch(start.at, reading.at, peak))
            start = None
    if start is not None:
        stretches.append(Stretch(start.at, readings[-1].at, peak))
    return stretches


def _distance(celsius: Decimal, allowed: Range) -> Decimal:
    if allowed.low is not None and celsius < allowed.low:
        return allowed.low - celsius
    if allowed.high is not None and celsius > allowed.high:
        return celsius - allowed.high
    return Decimal(0)

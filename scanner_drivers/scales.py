"""Lab balances: one reply parser per protocol, grams from stable readings only, thin drivers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from serial import SerialBase

from scanner_drivers.ports import DeviceError, port_errors

# The longest reply of the four protocols is 22 characters; a runaway line is not a reading.
MAX_REPLY = 64
# Mass units converted to grams exactly (powers of ten); anything else is refused, not guessed.
GRAMS_PER_UNIT = {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000)}


class Status(StrEnum):
    OK = "ok"
    UNSTABLE = "unstable"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    NOT_EXECUTABLE = "not_executable"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a balance answered; `value` is None when it gave no number (overload, errors)."""

    value: Decimal | None
    unit: str | None
    stable: bool
    status: Status
    raw: str


class UnrecognisedReply(DeviceError):
    """A line that is no reply of the expected protocol (wrong protocol set, or line noise)."""


class NoReply(DeviceError):
    """The balance sent no complete line before the read timeout."""


class WeightRejected(ValueError):
    """A reading that is not a usable weight; `code` says why (stable, snake_case)."""

    def __init__(self, code: str, detail: str, reading: Reading) -> None:
        self.code = code
        self.reading = reading
        super().__init__(detail)


def grams(reading: Reading) -> Decimal:
    """The reading in grams, only if the balance reported it stable and in mg, g or kg.

    A negative net weight is refused too: it means the pan was tared with something on it,
    and it is never the weight of a tube.
    """
    if reading.status is not Status.OK or not reading.stable or reading.value is None:
        status = Status.UNSTABLE if reading.status is Status.OK else reading.status
        raise WeightRejected(
            f"scale_{status}",
            f"the balance reported {status.replace('_', ' ')} ({reading.raw.strip()!r}): "
            "wait for a stable reading and weigh again",
            reading,
        )
    factor = GRAMS_PER_UNIT.get(reading.unit or "")
    if factor is None:
        raise WeightRejected(
            "scale_wrong_unit",
            f"the balance reports in {reading.unit!r}: set it to g (mg and kg are converted)",
            reading,
        )
    if reading.value < 0:
        raise WeightRejected(
            "scale_negative",
            f"the balance reports a negative weight ({reading.raw.strip()!r}): "
            "zero it and weigh again",
            reading,
        )
    return reading.value * factor


@dataclass(frozen=True, slots=True)
class _Format:
    """A protocol's replies: fixed answers that carry no weight, and the weight line."""

    fixed: tuple[tuple[re.Pattern[str], Status], ...]
    weight: re.Pattern[str]
    status: Callable[[re.Match[str]], Status]

    def parse(self, line: str) -> Reading:
        text = line.rstrip("\r\n")
        collapsed = " ".join(text.split())
        for pattern, status in self.fixed:
            if pattern.fullmatch(collapsed):
                return Reading(None, None, False, status, line)
        match = self.weight.fullmatch(text)
        if match is None:
            raise UnrecognisedReply(f"not a balance reply: {line!r}")
        status = self.status(match)
        if status not in (Status.OK, Status.UNSTABLE):
            return Reading(None, match["unit"], False, status, line)
        value = Decimal((match["sign"] or "") + match["value"])
        return Reading(value, match["unit"], status is Status.OK, status, line)


def _fixed(*pairs: tuple[str, Status]) -> tuple[tuple[re.Pattern[str], Status], ...]:
    return tuple((re.compile(pattern), status) for pattern, status in pairs)


_NUMBER = r"(?P<sign>[+-])?\s*(?P<value>\d+(?:\.\d*)?|\.\d+)"

_MTSICS = _Format(
    fixed=_fixed(
        (r"S I", Status.NOT_EXECUTABLE),
        (r"S \+", Status.OVERLOAD),
        (r"S -", Status.UNDERLOAD),
        (r"E[STL]", Status.ERROR),
    ),
    weight=re.compile(rf"\s*S\s+(?P<flag>[SD])\s+{_NUMBER}\s+(?P<unit>\S+)\s*"),
    status=lambda match: Status.OK if match["flag"] == "S" else Status.UNSTABLE,
)

_AND = _Format(
    fixed=_fixed(
        (r"EC,E0?2", Status.NOT_EXECUTABLE),
        (r"EC,E11", Status.UNSTABLE),
        (r"EC,E\d+", Status.ERROR),
    ),
    # The optional second header is the comparator result (OK, HI, LO, --) or gross/net (GS, NT).
    weight=re.compile(
        r"\s*(?P<header>ST|QT|US|OL)(?:,[A-Z-]{2})?,\s*"
        rf"{_NUMBER}(?:E[+-]\d+)?\s*,?\s*(?P<unit>[A-Za-z%]+)?\s*"
    ),
    status=lambda match: {
        "ST": Status.OK,
        "QT": Status.OK,
        "US": Status.UNSTABLE,
        "OL": Status.UNDERLOAD if match["sign"] == "-" else Status.OVERLOAD,
    }[match["header"]],
)

_OHAUS = _Format(
    fixed=_fixed((r"ES", Status.ERROR)),
    # Weight, unit, then "?" while unstable (or below minimum weight), then an optional legend.
    weight=re.compile(rf"\s*{_NUMBER}\s+(?P<unit>[A-Za-z%:]+)(?:\s+(?P<flag>\?))?(?:\s+.*?)?\s*"),
    status=lambda match: Status.UNSTABLE if match["flag"] else Status.OK,
)

# SBI has no stability flag: the unit is left out while the balance is not stable.
_SARTORIUS = _Format(
    fixed=_fixed(
        (r"H(?:igh)?", Status.OVERLOAD),
        (r"L(?:ow)?", Status.UNDERLOAD),
        (r"(?i:err)\s*\d+", Status.ERROR),
        (r"-+|C(?:al\..*)?", Status.NOT_EXECUTABLE),
    ),
    weight=re.compile(rf"\s*{_NUMBER}\s*(?P<unit>[A-Za-z%]+)?\s*"),
    status=lambda match: Status.OK if match["unit"] else Status.UNSTABLE,
)
# SBI lines are 16 characters with CR LF; the 22-character variant starts with a 6-character ID.
_SBI_SHORT = 14


def parse_mtsics(line: str) -> Reading:
    """A Mettler Toledo MT-SICS reply to S or SI: `S S     12.34 g`, `S D ...`, `S I`, `ES`..."""
    return _MTSICS.parse(line)


def parse_and(line: str) -> Reading:
    """An A&D standard-format line: `ST,+00012.34  g`, `US,...`, `OL,...`, `QT,...`, `EC,Exx`."""
    return _AND.parse(line)


def parse_ohaus(line: str) -> Reading:
    """An Ohaus print line: weight (10, right-justified), unit, `?` while unstable; or `ES`."""
    return _OHAUS.parse(line)


def parse_sartorius(line: str) -> Reading:
    """A Sartorius SBI line of 16 characters, or 22 with an ID such as `N     ` in front."""
    text = line.rstrip("\r\n")
    if len(text.rstrip()) > _SBI_SHORT:
        text = text[6:]
    # Brackets mark digits not verified for legal metrology: "+ 123.5[6] g".
    return replace(_SARTORIUS.parse(text.replace("[", "").replace("]", "")), raw=line)


PARSERS: dict[str, Callable[[str], Reading]] = {
    "mtsics": parse_mtsics,
    "and": parse_and,
    "ohaus": parse_ohaus,
    "sartorius": parse_sartorius,
}


class ScaleDriver:
    """A balance on a serial port; subclasses name the request and the parser of the reply.

    `read_weight()` asks for the current weight, stable or not, and reports what the balance
    said: whether to wait and ask again is the caller's choice, and only `grams()` turns a
    reading into a weight.
    """

    protocol: ClassVar[str]
    request: ClassVar[bytes]

    def __init__(self, port: SerialBase) -> None:
        self.port = port

    def read_weight(self) -> Reading:
        with port_errors(self.port):
            # A reply that arrived after an earlier timeout must not answer this request.
            self.port.reset_input_buffer()
            self.port.write(self.request)
            line = self.port.read_until(b"\n", MAX_REPLY)
        if not line.endswith(b"\n"):
            raise NoReply(f"no complete reply from the {self.protocol} balance: {line!r}")
        return PARSERS[self.protocol](line.decode("ascii", errors="replace"))


class MtSicsScale(ScaleDriver):
    protocol = "mtsics"
    request = b"SI\r\n"


class AndScale(ScaleDriver):
    protocol = "and"
    request = b"Q\r\n"


class OhausScale(ScaleDriver):
    protocol = "ohaus"
    request = b"IP\r\n"


class SartoriusScale(ScaleDriver):
    protocol = "sartorius"
    request = b"\x1bP"


SCALE_DRIVERS: dict[str, type[ScaleDriver]] = {
    driver.protocol: driver for driver in (MtSicsScale, AndScale, OhausScale, SartoriusScale)
}

"""Barcode scanners on a serial port: framing, AIM symbology identifiers, GS1 data, ID checks."""

from __future__ import annotations

import functools
import re
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from biip import ParseError
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier
from serial import SerialBase

from id_scheme import parse_id
from scanner_drivers.ports import read_available

GS = "\x1d"
# Suffixes a scanner can be set to send, by the names its configuration sheet uses.
TERMINATORS = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}
# Printable ASCII and GS, the one control character GS1 data carries inside a frame.
_ALLOWED = bytes(range(0x20, 0x7F)) + GS.encode()
_GS1_MESSAGES = GS1Symbology.with_gs1_messages()


class Rejection(StrEnum):
    NOISE = "noise"
    TOO_LONG = "too_long"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class FramingConfig:
    """How a scanner is set up to frame its output.

    Each byte of `terminators` ends a frame, so the default accepts CR, LF and CR LF alike (the
    empty frame between CR and LF is ignored). `prefix` is stripped where the scanner sends
    one. Scanners set up for keyboard wedges replace GS, which a keyboard cannot type, by a
    printable `gs_substitute`; it is turned back into GS in scans of GS1 symbologies.
    """

    terminators: bytes = TERMINATORS["crlf"]
    prefix: bytes = b""
    max_length: int = 256
    gs_substitute: str | None = None

    def __post_init__(self) -> None:
        if not self.terminators or GS.encode() in self.terminators:
            raise ValueError("terminators must name at least one byte, and GS cannot be one")
        if any(byte in self.terminators for byte in self.prefix):
            raise ValueError("the prefix cannot contain a terminator byte")
        if self.max_length < 1:
            raise ValueError("max_length must be at least 1")
        substitute = self.gs_substitute
        if substitute is not None and not (len(substitute) == 1 and substitute.isprintable()):
            raise ValueError("gs_substitute must be a single printable character")


@dataclass(frozen=True, slots=True)
class Scan:
    """One decoded barcode, as the scanner sent it and as read.

    `symbology` is a name such as "code_128" or "gs1_datamatrix" taken from the AIM identifier
    (`aim_id`, e.g. "]C1"), None when the scanner sends none. `gs1` maps application
    identifiers to values for GS1 symbologies; `gs1_error` says why GS1 data did not parse.
    """

    seq: int
    raw: bytes
    data: str
    symbology: str | None = None
    aim_id: str | None = None
    gs1: dict[str, str] | None = None
    gs1_error: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """Bytes that were not a scan: line noise, an over-long frame, or a frame cut short."""

    seq: int
    reason: Rejection
    raw: bytes = field(repr=False)

    @property
    def detail(self) -> str:
        return {
            Rejection.NOISE: "frame with non-printable bytes discarded (line noise?)",
            Rejection.TOO_LONG: f"frame longer than {len(self.raw)} bytes discarded",
            Rejection.INCOMPLETE: "frame without terminator discarded at read timeout",
        }[self.reason]


Frame = Scan | Rejected


class Framer:
    """Cuts a byte stream into frames; the same bytes give the same frames however chunked."""

    def __init__(self, config: FramingConfig | None = None) -> None:
        self.config = config or FramingConfig()
        self._split = re.compile(b"[" + re.escape(self.config.terminators) + b"]").split
        self._buffer = bytearray()
        # Inside an over-long frame, already reported: drop bytes up to its terminator.
        self._discarding = False
        self._seq = 0

    def feed(self, chunk: bytes) -> list[Frame]:
        *complete, rest = self._split(chunk)
        frames: list[Frame] = []
        for piece in complete:
            if self._discarding:
                self._discarding = False
                continue
            if self._buffer:
                piece = bytes(self._buffer) + piece
                self._buffer.clear()
            frame = self._frame(piece)
            if frame is not None:
                frames.append(frame)
        if not self._discarding:
            self._buffer += rest
            if len(self._buffer) > self.config.max_length:
                frames.append(self._reject(Rejection.TOO_LONG, self._buffer))
                self._buffer.clear()
                self._discarding = True
        return frames

    def expire(self) -> list[Frame]:
        """The device went quiet: a frame begun but not terminated is reported, never scanned."""
        partial, self._discarding = bytes(self._buffer), False
        self._buffer.clear()
        return [self._reject(Rejection.INCOMPLETE, partial)] if partial else []

    def _frame(self, raw: bytes) -> Frame | None:
        if len(raw) > self.config.max_length:
            return self._reject(Rejection.TOO_LONG, raw)
        body = raw.removeprefix(self.config.prefix)
        if not body.strip(b" "):
            return None
        if body.translate(None, _ALLOWED):
            return self._reject(Rejection.NOISE, raw)
        return self._scan(raw, body.decode("ascii"))

    def _scan(self, raw: bytes, text: str) -> Scan:
        identifier = _identifier(text)
        self._seq += 1
        if identifier is None:
            return Scan(self._seq, raw, text)
        data = text[len(identifier.value) :]
        gs1 = gs1_error = None
        if identifier.gs1_symbology in _GS1_MESSAGES:
            if self.config.gs_substitute:
                data = data.replace(self.config.gs_substitute, GS)
            gs1, gs1_error = _gs1_elements(data)
        symbology = identifier.gs1_symbology or identifier.iso_symbology
        return Scan(self._seq, raw, data, symbology.name.lower(), identifier.value, gs1, gs1_error)

    def _reject(self, reason: Rejection, raw: bytes | bytearray) -> Rejected:
        self._seq += 1
        return Rejected(self._seq, reason, bytes(raw[: self.config.max_length]))


def validate(scan: Scan, *, prefix: str | None = None) -> str:
    """The canonical specimen ID in the scan; raises id_scheme's IdError saying what is wrong."""
    return parse_id(scan.data, prefix=prefix)


class ScannerDriver:
    """A serial or USB-CDC scanner; holds nothing between scans but the framing buffer."""

    def __init__(self, port: SerialBase, framing: FramingConfig | None = None) -> None:
        self.port = port
        self._framer = Framer(framing)
        self._ready: deque[Frame] = deque()

    def read_scan(self) -> Frame | None:
        """The next scan or rejected frame; None when the port stayed quiet for its timeout.

        Raises PortUnavailable when the scanner is unplugged.
        """
        while not self._ready:
            chunk = read_available(self.port)
            if not chunk:
                self._ready.extend(self._framer.expire())
                break
            self._ready.extend(self._framer.feed(chunk))
        return self._ready.popleft() if self._ready else None


def _identifier(text: str) -> SymbologyIdentifier | None:
    if len(text) < 3 or text[0] != "]":
        return None
    # System-expansion identifiers (]Y) carry a variable number of modifiers; the rest carry one.
    return _known_identifier(text if text[1] == "Y" else text[:3])


@functools.lru_cache(maxsize=128)
def _known_identifier(prefix: str) -> SymbologyIdentifier | None:
    try:
        return SymbologyIdentifier.extract(prefix)
    except (ParseError, ValueError):
        return None


def _gs1_elements(data: str) -> tuple[dict[str, str] | None, str | None]:
    try:
        message = GS1Message.parse(data)
    except ParseError as error:
        return None, str(error)
    return {element.ai.ai: element.value for element in message.element_strings}, None

"""Simulated scanners and balances on pseudo-terminals, for tests and demos without hardware."""

from __future__ import annotations

import os
import re
import select
import threading
import tty
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Self

from scanner_drivers.scales import Status

# How long a simulator thread waits on its pty before checking whether it was asked to stop.
_POLL = 0.05


class PseudoTerminalDevice(ABC):
    """A device on the master side of a pty; a driver opens `path`, the slave, like a COM port.

    Subclasses implement `_run()`, which runs in a background thread until `stop()`.
    """

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        # Raw before the first byte: a cooked pty echoes, and turns CR into LF on the way.
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> Self:
        """Begin; start after the driver opened `path`, as opening a port discards what waits."""
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the pty: to the driver this is the device unplugged."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if not self._closed:
            self._closed = True
            os.close(self._master)
            os.close(self._slave)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @abstractmethod
    def _run(self) -> None:
        """Serve the device until `_stopping` is set."""

    def _write(self, data: bytes) -> None:
        while data and not self._stopping.is_set():
            try:
                data = data[os.write(self._master, data) :]
            except BlockingIOError:
                select.select([], [self._master], [], _POLL)

    def _read(self) -> bytes:
        readable, _, _ = select.select([self._master], [], [], _POLL)
        return os.read(self._master, 1024) if readable else b""


class ScannerSimulator(PseudoTerminalDevice):
    """Sends each frame followed by `terminator`, `rate` frames a second, after `delay` seconds."""

    def __init__(
        self,
        frames: Iterable[str | bytes],
        *,
        rate: float = 10.0,
        terminator: bytes = b"\r\n",
        delay: float = 0.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be a positive number of frames per second")
        super().__init__()
        self.frames = [frame.encode() if isinstance(frame, str) else frame for frame in frames]
        self.interval = 1 / rate
        self.terminator = terminator
        self.delay = delay
        self.finished = threading.Event()
        self._sending = threading.Lock()

    def scan(self, frame: str | bytes) -> None:
        """Send one more frame now, as when the trigger is pulled by hand."""
        data = frame.encode() if isinstance(frame, str) else frame
        # Whole frames: one sent by hand never lands inside one from the list.
        with self._sending:
            self._write(data + self.terminator)

    def _run(self) -> None:
        pause = self.delay
        for frame in self.frames:
            if self._stopping.wait(pause):
                return
            self.scan(frame)
            pause = self.interval
        self.finished.set()


@dataclass(frozen=True, slots=True)
class _Dialect:
    """How one protocol asks and answers. Commands map to an action and an acknowledgement."""

    commands: Mapping[str, tuple[str, str | None]]
    unknown: str | None
    reply: Callable[[Status, Decimal, str], str]


def _mtsics_reply(status: Status, value: Decimal, unit: str) -> str:
    return {
        Status.OK: f"S S {value:>10} {unit}",
        Status.UNSTABLE: f"S D {value:>10} {unit}",
        Status.OVERLOAD: "S +",
        Status.UNDERLOAD: "S -",
    }.get(status, "S I")


def _and_reply(status: Status, value: Decimal, unit: str) -> str:
    data = f"{value:+09.{max(0, -value.as_tuple().exponent)}f}"
    return {
        Status.OK: f"ST,{data}{unit:>3}",
        Status.UNSTABLE: f"US,{data}{unit:>3}",
        Status.OVERLOAD: f"OL,+999999.9{unit:>3}",
        Status.UNDERLOAD: f"OL,-999999.9{unit:>3}",
    }.get(status, "EC,E02")


def _ohaus_reply(status: Status, value: Decimal, unit: str) -> str:
    # The Ohaus manuals give no print format for overload; the simulator refuses with ES.
    if status in (Status.OK, Status.UNSTABLE):
        return f"{value:>10} {unit:<5} {'?' if status is Status.UNSTABLE else ' '}"
    return "ES"


def _sartorius_reply(status: Status, value: Decimal, unit: str) -> str:
    sign = "-" if value < 0 else "+"
    return {
        Status.OK: f"{sign} {abs(value):>8} {unit:<3}",
        Status.UNSTABLE: f"{sign} {abs(value):>8}    ",
        Status.OVERLOAD: "      High    ",
        Status.UNDERLOAD: "      Low     ",
    }.get(status, "      --      ")


_NOW = ("now", None)
_STABLE = ("stable", None)
DIALECTS: dict[str, _Dialect] = {
    "mtsics": _Dialect(
        {"S": _STABLE, "SI": _NOW, "Z": ("zero", "Z A"), "T": ("tare", "T S {tare:>10} {unit}")},
        "ES",
        _mtsics_reply,
    ),
    "and": _Dialect(
        {"Q": _NOW, "SI": _NOW, "S": _STABLE, "Z": ("zero", "\x06"), "T": ("tare", "\x06")},
        "EC,E01",
        _and_reply,
    ),
    "ohaus": _Dialect(
        {"IP": _NOW, "P": _NOW, "SP": _STABLE, "Z": ("zero", None), "T": ("tare", None)},
        "ES",
        _ohaus_reply,
    ),
    # SBI has no documented answer to an unknown command: the balance stays silent.
    "sartorius": _Dialect(
        {"\x1bP": _NOW, "\x1bT": ("tare", None), "\x1bU": ("tare", None), "\x1bV": ("zero", None)},
        None,
        _sartorius_reply,
    ),
}
# Grams per display unit and the decimals shown; lb and oz exist to exercise unit checks.
DISPLAY_UNITS = {
    "mg": (Decimal("0.001"), 0),
    "g": (Decimal(1), 2),
    "kg": (Decimal(1000), 5),
    "oz": (Decimal("28.349523125"), 4),
    "lb": (Decimal("453.59237"), 5),
}
# An SBI command is ESC and a letter (with digits and "_" in the long form); others end in CR/LF.
_COMMAND = re.compile(rb"\x1b[A-Za-z](?:\d+_)?|([^\r\n\x1b]*)[\r\n]")


class ScaleSimulator(PseudoTerminalDevice):
    """A balance that answers its protocol's commands about a load placed with `place()`.

    After each change of load, the next `unsettled_reads` immediate reads are unstable and
    drift towards the load; None keeps it unstable for ever (a draught), so requests that
    wait for stability time out. A gross load above `capacity_g` is an overload, below zero
    (pan lifted) an underload.
    """

    def __init__(
        self,
        protocol: str,
        *,
        load_g: Decimal = Decimal(0),
        unit: str = "g",
        unsettled_reads: int | None = 2,
        capacity_g: Decimal = Decimal(220),
    ) -> None:
        if protocol not in DIALECTS or unit not in DISPLAY_UNITS:
            raise ValueError(f"protocols: {sorted(DIALECTS)}; units: {sorted(DISPLAY_UNITS)}")
        super().__init__()
        self.dialect = DIALECTS[protocol]
        self.unit = unit
        self.capacity_g = capacity_g
        self._lock = threading.Lock()
        self._unsettled_after_change = unsettled_reads
        self._tare_g = Decimal(0)
        self.place(load_g)

    def place(self, load_g: Decimal) -> None:
        with self._lock:
            self._load_g = Decimal(load_g)
            self._unsettled = self._unsettled_after_change

    def _run(self) -> None:
        pending = bytearray()
        while not self._stopping.is_set():
            pending += self._read()
            end = 0
            for match in _COMMAND.finditer(pending):
                end = match.end()
                command = (match[0] if match[1] is None else match[1]).decode("ascii", "replace")
                answer = self.answer(command.strip()) if command.strip() else None
                if answer is not None:
                    self._write(answer.encode("ascii") + b"\r\n")
            del pending[:end]

    def answer(self, command: str) -> str | None:
        """The line the balance sends back to `command`, None when it sends nothing."""
        unknown = ("unknown", self.dialect.unknown)
        action, acknowledgement = self.dialect.commands.get(command, unknown)
        with self._lock:
            if action in ("now", "stable"):
                return self.dialect.reply(*self._reading(wait=action == "stable"), self.unit)
            if action in ("zero", "tare"):
                self._tare_g = self._load_g
            tare = self._display(self._tare_g)
        if acknowledgement is None:
            return None
        return acknowledgement.format(tare=tare, unit=self.unit)

    def _reading(self, *, wait: bool) -> tuple[Status, Decimal]:
        net_g = self._load_g - self._tare_g
        if self._load_g > self.capacity_g:
            return Status.OVERLOAD, Decimal(0)
        if self._load_g < 0:
            return Status.UNDERLOAD, Decimal(0)
        if self._unsettled is None:
            return (Status.NOT_EXECUTABLE if wait else Status.UNSTABLE), self._display(net_g)
        if self._unsettled and not wait:
            drift_g = Decimal("0.37") * self._unsettled
            self._unsettled -= 1
            return Status.UNSTABLE, self._display(net_g + drift_g)
        self._unsettled = 0
        return Status.OK, self._display(net_g)

    def _display(self, grams: Decimal) -> Decimal:
        per_unit, decimals = DISPLAY_UNITS[self.unit]
        return (grams / per_unit).quantize(Decimal(1).scaleb(-decimals))

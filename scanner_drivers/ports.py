"""Serial ports by URL (device path, loop://, socket://, rfc2217://) and the errors they raise."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import serial
from serial import SerialBase

BYTESIZES = (5, 6, 7, 8)
PARITIES = tuple(serial.PARITY_NAMES)
STOPBITS = (1, 1.5, 2)

_IO_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
if sys.platform != "win32":
    import termios

    # termios.error is no OSError, and flushing the buffer of a vanished tty raises it.
    _IO_ERRORS += (termios.error,)


class DeviceError(Exception):
    """A scanner or scale did not do what was asked."""


class PortUnavailable(DeviceError):
    """The port cannot be opened or went away (unplugged, switched off); retry later."""

    def __init__(self, url: str, reason: object) -> None:
        self.url = url
        super().__init__(f"serial port {url} is unavailable ({reason}): check the cable and retry")


class InvalidPortSettings(ValueError):
    """Port settings that no device could accept; retrying will not help."""


@dataclass(frozen=True, slots=True)
class PortSettings:
    """Where a device is and how to talk to it; 9600 8N1 is what scanners and scales ship with.

    Timeouts are in seconds and always finite: framing needs the read timeout to tell a
    quiet device from a frame cut short, and a station must never hang on a dead device.
    """

    url: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    timeout: float = 1.0
    write_timeout: float = 1.0

    def __post_init__(self) -> None:
        problems = [
            problem
            for problem, wrong in (
                ("url is empty", not self.url.strip()),
                ("baudrate must be a positive integer", not _positive_int(self.baudrate)),
                (f"bytesize must be one of {BYTESIZES}", self.bytesize not in BYTESIZES),
                (f"parity must be one of {PARITIES}", self.parity not in PARITIES),
                (f"stopbits must be one of {STOPBITS}", self.stopbits not in STOPBITS),
                ("timeout must be positive seconds", not _positive(self.timeout)),
                ("write_timeout must be positive seconds", not _positive(self.write_timeout)),
            )
            if wrong
        ]
        if problems:
            raise InvalidPortSettings("; ".join(problems))


def open_port(settings: PortSettings) -> SerialBase:
    """The opened port, or PortUnavailable when the device is absent, busy or refuses us."""
    try:
        return serial.serial_for_url(
            settings.url,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            timeout=settings.timeout,
            write_timeout=settings.write_timeout,
            # Two programs reading one scanner would each get half of the scans.
            exclusive=True,
        )
    except ValueError as error:
        raise InvalidPortSettings(f"{settings.url}: {error}") from error
    except (serial.SerialException, OSError) as error:
        raise PortUnavailable(settings.url, error) from error


@contextmanager
def port_errors(port: SerialBase) -> Iterator[None]:
    """Turn pyserial's and the OS's errors during I/O into PortUnavailable."""
    try:
        yield
    except _IO_ERRORS as error:
        raise PortUnavailable(str(port.port), error) from error


def read_available(port: SerialBase) -> bytes:
    """What the device has sent: at least one byte, or nothing once the read timeout passed."""
    with port_errors(port):
        return port.read(max(1, port.in_waiting))


def _positive(value: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0

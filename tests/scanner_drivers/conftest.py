"""Real pseudo-terminals for the device tests: a simulator on the master, pyserial on the slave."""

from collections.abc import Callable, Iterator

import pytest
from serial import SerialBase

from barcode_printing.ids import format_id
from scanner_drivers.ports import PortSettings, open_port
from scanner_drivers.simulators import PseudoTerminalDevice

# Every read in these tests ends within this many seconds, so a broken driver fails, never hangs.
READ_TIMEOUT = 0.3


@pytest.fixture
def specimen_ids() -> list[str]:
    return [format_id("BX", number) for number in (1, 42, 1234567)]


@pytest.fixture
def connect() -> Iterator[Callable[[PseudoTerminalDevice], SerialBase]]:
    """`connect(simulator)` opens the simulator's pty as a driver would, then starts it.

    The simulator starts only after the port is open, because opening a port discards what
    is waiting in it. Ports and simulators are closed at the end of the test.
    """
    opened: list[tuple[PseudoTerminalDevice, SerialBase]] = []

    def open_and_start(simulator: PseudoTerminalDevice) -> SerialBase:
        port = open_port(PortSettings(simulator.path, timeout=READ_TIMEOUT))
        opened.append((simulator, port))
        simulator.start()
        return port

    yield open_and_start
    for simulator, port in opened:
        port.close()
        simulator.stop()

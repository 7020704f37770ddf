"""Opening ports by URL, refusing impossible settings, and failing clearly when a device is gone."""

import socket

import pytest

from scanner_drivers.ports import InvalidPortSettings, PortSettings, PortUnavailable, open_port
from scanner_drivers.scanners import ScannerDriver
from scanner_drivers.simulators import ScannerSimulator


def test_defaults_are_9600_8n1_with_finite_timeouts():
    settings = PortSettings("/dev/ttyACM0")
    assert (settings.baudrate, settings.bytesize, settings.parity, settings.stopbits) == (
        9600,
        8,
        "N",
        1,
    )
    assert settings.timeout > 0
    assert settings.write_timeout > 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", " "),
        ("baudrate", 0),
        ("baudrate", 9600.5),
        ("bytesize", 9),
        ("parity", "X"),
        ("stopbits", 3),
        ("timeout", 0),
        ("timeout", float("inf")),
        ("write_timeout", -1),
    ],
)
def test_settings_no_device_could_accept_are_refused(field, value):
    fields = {"url": "/dev/ttyACM0", field: value}
    with pytest.raises(InvalidPortSettings, match=field):
        PortSettings(**fields)


def test_all_problems_with_settings_are_named_at_once():
    with pytest.raises(InvalidPortSettings, match=r"baudrate.*parity"):
        PortSettings("/dev/ttyUSB0", baudrate=-1, parity="Q")


def test_an_absent_device_is_unavailable_and_names_the_port():
    with pytest.raises(PortUnavailable, match="/dev/ttyACM-does-not-exist"):
        open_port(PortSettings("/dev/ttyACM-does-not-exist"))


def test_a_network_serial_server_that_refuses_the_connection_is_unavailable():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        closed_port = listener.getsockname()[1]
    with pytest.raises(PortUnavailable):
        open_port(PortSettings(f"socket://127.0.0.1:{closed_port}", timeout=0.5))


def test_an_unknown_url_scheme_is_a_settings_error_not_a_retry():
    with pytest.raises(InvalidPortSettings, match="nosuch://"):
        open_port(PortSettings("nosuch://device"))


def test_a_loopback_url_opens_with_the_settings_given():
    port = open_port(PortSettings("loop://", baudrate=19200, timeout=0.2))
    try:
        port.write(b"ping")
        assert port.read(4) == b"ping"
        assert port.baudrate == 19200
    finally:
        port.close()


def test_a_second_program_cannot_open_a_scanner_already_in_use():
    with ScannerSimulator([]) as simulator:
        first = open_port(PortSettings(simulator.path, timeout=0.2))
        try:
            with pytest.raises(PortUnavailable, match="lock"):
                open_port(PortSettings(simulator.path, timeout=0.2))
        finally:
            first.close()


def test_a_device_unplugged_while_reading_raises_port_unavailable(connect, specimen_ids):
    simulator = ScannerSimulator(specimen_ids[:1], rate=100)
    driver = ScannerDriver(connect(simulator))
    assert driver.read_scan().data == specimen_ids[0]
    simulator.stop()
    with pytest.raises(PortUnavailable, match=simulator.path):
        driver.read_scan()

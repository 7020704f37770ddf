"""Each scale driver asking a simulated balance through a real pseudo-terminal."""

from decimal import Decimal

import pytest

from scanner_drivers.ports import PortUnavailable
from scanner_drivers.scales import (
    SCALE_DRIVERS,
    NoReply,
    Status,
    WeightRejected,
    grams,
)
from scanner_drivers.simulators import ScaleSimulator

PROTOCOLS = sorted(SCALE_DRIVERS)


def test_every_protocol_has_a_driver_registered_under_its_name():
    assert PROTOCOLS == ["and", "mtsics", "ohaus", "sartorius"]
    assert all(SCALE_DRIVERS[name].protocol == name for name in PROTOCOLS)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_settling_load_reads_unstable_then_stable_and_only_then_weighs(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal("4.56"), unsettled_reads=2)
    scale = SCALE_DRIVERS[protocol](connect(simulator))
    first, second, settled = (scale.read_weight() for _ in range(3))
    for unsettled in (first, second):
        assert (unsettled.status, unsettled.stable) == (Status.UNSTABLE, False)
        assert unsettled.value != Decimal("4.56")
        with pytest.raises(WeightRejected, match="unstable"):
            grams(unsettled)
    assert (settled.status, settled.stable) == (Status.OK, True)
    assert grams(settled) == Decimal("4.56")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_new_load_is_unstable_again_before_it_settles(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal("1.00"), unsettled_reads=1)
    scale = SCALE_DRIVERS[protocol](connect(simulator))
    scale.read_weight()
    assert grams(scale.read_weight()) == Decimal("1.00")
    simulator.place(Decimal("7.25"))
    assert scale.read_weight().status is Status.UNSTABLE
    assert grams(scale.read_weight()) == Decimal("7.25")


@pytest.mark.parametrize("protocol", ["and", "mtsics", "sartorius"])
def test_an_overloaded_pan_reads_as_overload_never_as_a_weight(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal(500), capacity_g=Decimal(220))
    reading = SCALE_DRIVERS[protocol](connect(simulator)).read_weight()
    assert (reading.status, reading.value) == (Status.OVERLOAD, None)
    with pytest.raises(WeightRejected, match="overload"):
        grams(reading)


@pytest.mark.parametrize("protocol", ["and", "mtsics", "sartorius"])
def test_a_lifted_pan_reads_as_underload_never_as_a_weight(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal(-3))
    reading = SCALE_DRIVERS[protocol](connect(simulator)).read_weight()
    assert (reading.status, reading.value) == (Status.UNDERLOAD, None)
    with pytest.raises(WeightRejected, match="underload"):
        grams(reading)


def test_an_ohaus_balance_that_cannot_print_answers_es_an_error(connect):
    simulator = ScaleSimulator("ohaus", load_g=Decimal(500), capacity_g=Decimal(220))
    reading = SCALE_DRIVERS["ohaus"](connect(simulator)).read_weight()
    assert reading.status is Status.ERROR
    with pytest.raises(WeightRejected, match="error"):
        grams(reading)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_balance_set_to_pounds_is_refused_as_the_wrong_unit(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal(100), unit="lb", unsettled_reads=0)
    reading = SCALE_DRIVERS[protocol](connect(simulator)).read_weight()
    assert reading.status is Status.OK
    with pytest.raises(WeightRejected) as raised:
        grams(reading)
    assert raised.value.code == "scale_wrong_unit"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_balance_set_to_kilograms_still_weighs_in_grams(connect, protocol):
    simulator = ScaleSimulator(protocol, load_g=Decimal("12.34"), unit="kg", unsettled_reads=0)
    reading = SCALE_DRIVERS[protocol](connect(simulator)).read_weight()
    assert reading.unit == "kg"
    assert grams(reading) == Decimal("12.34")


@pytest.mark.parametrize(
    ("protocol", "command", "answer"),
    [
        ("mtsics", b"XYZ\r\n", b"ES\r\n"),
        ("and", b"XYZ\r\n", b"EC,E01\r\n"),
        ("ohaus", b"XYZ\r\n", b"ES\r\n"),
    ],
)
def test_an_unknown_command_is_answered_with_the_protocols_error(
    connect, protocol, command, answer
):
    port = connect(ScaleSimulator(protocol))
    port.write(command)
    assert port.read_until(b"\n") == answer


def test_mtsics_stable_request_waits_for_stability_and_reports_it_cannot_when_never_stable(
    connect,
):
    simulator = ScaleSimulator("mtsics", load_g=Decimal("2.50"), unsettled_reads=None)
    port = connect(simulator)
    port.write(b"S\r\n")
    assert port.read_until(b"\n") == b"S I\r\n"
    port.write(b"SI\r\n")
    assert port.read_until(b"\n").startswith(b"S D")


def test_mtsics_tare_answers_with_the_tare_weight_and_zeroes_the_net(connect):
    simulator = ScaleSimulator("mtsics", load_g=Decimal("3.21"), unsettled_reads=0)
    port = connect(simulator)
    port.write(b"T\r\n")
    assert port.read_until(b"\n") == b"T S       3.21 g\r\n"
    port.write(b"S\r\n")
    assert port.read_until(b"\n") == b"S S       0.00 g\r\n"


def test_a_balance_that_ignores_the_request_is_no_reply_within_the_timeout(connect):
    # A Sartorius balance stays silent on commands it does not know, such as Ohaus's IP.
    scale = SCALE_DRIVERS["ohaus"](connect(ScaleSimulator("sartorius")))
    with pytest.raises(NoReply):
        scale.read_weight()


def test_a_balance_switched_off_mid_session_is_port_unavailable(connect):
    simulator = ScaleSimulator("and", load_g=Decimal(1), unsettled_reads=0)
    scale = SCALE_DRIVERS["and"](connect(simulator))
    assert scale.read_weight().status is Status.OK
    simulator.stop()
    with pytest.raises(PortUnavailable):
        scale.read_weight()

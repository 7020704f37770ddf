"""`manage.py simulate_device` run as a demo would run it: a process serving a real pty."""

import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from scanner_drivers.ports import PortSettings, open_port
from scanner_drivers.scales import SCALE_DRIVERS, Status, grams
from scanner_drivers.scanners import TERMINATORS, FramingConfig, ScannerDriver, validate

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def _as_at_a_terminal() -> None:
    # A suite started as a shell's background job (as CI may start it) inherits Ctrl-C ignored,
    # and so would the command: it is run here as a person starts it at a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def simulate() -> Iterator:
    """`simulate(*args)` starts the command and returns (process, device path)."""
    processes: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "simulate_device", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_as_at_a_terminal,
        )
        processes.append(process)
        return process, process.stdout.readline().strip()

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def interrupt(process: subprocess.Popen) -> str:
    """Ctrl-C; what the process wrote to stderr if it did not stop cleanly."""
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=10)
    return errors if process.returncode else ""


def test_the_scanner_command_prints_its_pty_and_sends_the_scans_given(simulate, specimen_ids):
    process, path = simulate(
        "scanner",
        "--scans",
        ",".join(specimen_ids),
        "--rate",
        "50",
        "--delay",
        "0.5",
        "--terminator",
        "cr",
    )
    assert path.startswith("/dev/")
    port = open_port(PortSettings(path, timeout=2.0))
    try:
        driver = ScannerDriver(port, FramingConfig(terminators=TERMINATORS["cr"]))
        scans = [driver.read_scan() for _ in specimen_ids]
    finally:
        port.close()
    assert [validate(scan) for scan in scans] == specimen_ids
    assert interrupt(process) == ""


def test_the_scanner_command_reads_scans_from_a_file(simulate, specimen_ids, tmp_path):
    scans_file = tmp_path / "scans.txt"
    scans_file.write_text("\n".join(specimen_ids[:2]) + "\n\n")
    process, path = simulate("scanner", "--scans", str(scans_file), "--rate", "50", "--delay", "1")
    port = open_port(PortSettings(path, timeout=2.0))
    try:
        driver = ScannerDriver(port)
        assert [driver.read_scan().data for _ in range(2)] == specimen_ids[:2]
    finally:
        port.close()
    assert interrupt(process) == ""


def test_the_scale_command_serves_a_balance_that_settles(simulate):
    process, path = simulate(
        "scale", "--protocol", "sartorius", "--load", "8.75", "--unsettled-reads", "1"
    )
    port = open_port(PortSettings(path, timeout=1.0))
    try:
        scale = SCALE_DRIVERS["sartorius"](port)
        assert scale.read_weight().status is Status.UNSTABLE
        assert grams(scale.read_weight()) == Decimal("8.75")
    finally:
        port.close()
    assert interrupt(process) == ""


def test_a_scale_without_protocol_is_refused(simulate):
    process, _ = simulate("scale")
    assert process.wait(timeout=10) != 0
    assert "--protocol" in process.stderr.read()

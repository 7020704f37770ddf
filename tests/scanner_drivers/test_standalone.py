"""A station PC runs the bridge with the station's few packages: no server app, no Django."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATION_MODULES = (
    "id_scheme",
    "scanner_drivers.bridge",
    "scanner_drivers.client",
    "scanner_drivers.ports",
    "scanner_drivers.scales",
    "scanner_drivers.scanners",
    "scanner_drivers.simulators",
    "scanner_drivers.spool",
    "scanner_drivers.station",
)
# The project's server apps and the packages only the server installs.
SERVER_ONLY = (
    "django",
    "lims",
    "specimens",
    "shipments",
    "freezers",
    "barcode_printing",
    "rest_framework",
    "simple_history",
    "drf_spectacular",
    "knox",
    "psycopg",
    "reportlab",
    "barcode",
    "stdnum",
    "PIL",
)
# Installed before anything else: any import of a server-only package fails loudly, even one
# a module catches (the hook records it, and the program checks the record at the end).
BLOCKER = f"""
import sys
BLOCKED = {SERVER_ONLY!r}
attempts = []

class ServerOnly:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append(name)
            raise ImportError(f"a station has no {{name}}")
        return None

sys.meta_path.insert(0, ServerOnly())
"""


def run_on_a_station(program: str) -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + program],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.mark.parametrize("module", STATION_MODULES)
def test_a_station_module_imports_without_any_server_package(module):
    result = run_on_a_station(
        f"import {module}\n"
        "assert not attempts, f'imported server packages: {attempts}'\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in BLOCKED]\n"
    )
    assert result.returncode == 0, result.stderr


def test_the_blocker_catches_a_module_that_reaches_for_the_server():
    result = run_on_a_station("import barcode_printing.ids\n")
    assert result.returncode != 0
    assert "a station has no barcode_printing" in result.stderr


def test_the_bridge_command_line_runs_without_the_server():
    result = run_on_a_station(
        "import runpy\n"
        "sys.argv = ['scanner_drivers', '--help']\n"
        "try:\n"
        "    runpy.run_module('scanner_drivers', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "assert not attempts, f'imported server packages: {attempts}'\n"
    )
    assert result.returncode == 0, result.stderr
    assert "--device" in result.stdout and "--scale-protocol" in result.stdout


def test_a_station_validates_scans_with_the_check_character_alone():
    result = run_on_a_station(
        "from id_scheme import InvalidCheckCharacter, format_id, parse_id\n"
        "good = format_id('BX', 42)\n"
        "assert parse_id(']C0' + good.lower()) == good\n"
        "wrong = good[:-1] + ('A' if good[-1] != 'A' else 'B')\n"
        "try:\n"
        "    parse_id(wrong)\n"
        "except InvalidCheckCharacter as error:\n"
        "    assert error.code == 'invalid_check_character'\n"
        "else:\n"
        "    raise AssertionError('a wrong check character passed')\n"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--action=pack", "--shipment=SH-12a"], "pack needs the shipment: SH- and digits"),
        (["--action=weigh"], "weigh needs the scale's port"),
        (["--action=collect", "--order=ORD-1", "--batch=0"], "batch must be a whole number"),
    ],
)
def test_the_bridge_command_line_refuses_a_bad_station_before_reading_anything(
    tmp_path, options, message
):
    arguments = ["--device=loop://", "--server=http://127.0.0.1:9/api/v1/", "--token=t"]
    arguments += ["--station=s-1", f"--spool={tmp_path / 'spool'}", *options]
    result = run_on_a_station(f"from scanner_drivers.station import main\nmain({arguments!r})\n")
    assert result.returncode == 1
    assert f"error: {message}" in result.stderr
    assert not (tmp_path / "spool").exists()

"""The README's walkthrough runs as written: `make run` serves a fresh demo database and
docs/walkthrough.sh takes a visit's tubes from collection to a freezer slot and audits them."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lims.live import ROOT, assets, clean_environment, free_port, get, serving


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`make run` as the README says, on a free port and a database of its own, with this
    suite's Python environment (INSTALL= skips the install step)."""
    folder = tmp_path_factory.mktemp("make-run")
    port = free_port()
    command = [
        "make", "--no-print-directory", "run", f"PORT={port}", "INSTALL=",
        f"BIN={Path(sys.executable).parent}",
    ]  # fmt: skip
    # The API docs opened to anonymous requests, so the last test can load them without a session.
    env = clean_environment(
        DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}", LIMS_PUBLIC_API_DOCS="1"
    )
    with serving(command, port, env, folder / "server.log") as base:
        yield base


def test_the_walkthrough_script_completes_the_mission(demo_server):
    port = demo_server.rsplit(":", 1)[1]
    result = subprocess.run(
        ["bash", str(ROOT / "docs" / "walkthrough.sh")],
        env=clean_environment(PORT=port),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    trails = dict(
        line.split(": ", 1) for line in result.stderr.splitlines() if line.startswith("BX")
    )
    primary, aliquot = trails.values()
    assert primary.split() == [
        "labeled", "collected", "processed", "packed", "dispatched", "received", "aliquoted",
    ]  # fmt: skip
    assert aliquot.split()[-1] == "stored"
    assert "custody chains verified" in result.stdout


def test_the_walkthrough_runs_again_on_the_same_database(demo_server):
    port = demo_server.rsplit(":", 1)[1]
    result = subprocess.run(
        ["bash", str(ROOT / "docs" / "walkthrough.sh")],
        env=clean_environment(BASE=f"http://localhost:{port}"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_a_refused_step_stops_the_script_with_the_problem(demo_server):
    port = demo_server.rsplit(":", 1)[1]
    result = subprocess.run(
        ["bash", str(ROOT / "docs" / "walkthrough.sh")],
        env=clean_environment(PORT=port, TRACKING_NUMBER="not-a-number"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "FAILED: POST /api/v1/shipments/" in result.stderr
    assert "/dispatch answered 400" in result.stderr


def test_the_api_docs_load_from_the_server_itself(demo_server):
    status, _, page = get(f"{demo_server}/api/docs/")
    assert status == 200
    html = page.decode()
    assert all(a.startswith("/") and not a.startswith("//") for a in assets(html)), assets(html)
    assert len(assets(html)) >= 3
    for asset in assets(html):
        assert get(demo_server + asset)[0] == 200, asset

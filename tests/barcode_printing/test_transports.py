"""Printer transports: the exact label bytes reach a printer listening on a loopback socket."""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from barcode_printing.layouts import LAYOUTS
from barcode_printing.transports import (
    TRANSPORTS,
    CupsTransport,
    DownloadTransport,
    PrinterUnreachable,
    RawTcpTransport,
    get_transport,
)
from barcode_printing.zpl import labels_zpl
from lims.errors import InvalidInput
from tests.barcode_printing.decoding import SAMPLE_LABELS
from tests.barcode_printing.loopback import WAIT_SECONDS, LoopbackPrinter, free_port


@pytest.fixture
def printer():
    return LoopbackPrinter()


@pytest.fixture
def zpl() -> bytes:
    tubes = [SAMPLE_LABELS["tube_128x050"]] * 3
    return labels_zpl(LAYOUTS["tube_128x050"], tubes, dpi=300)


def test_the_raw_port_transport_delivers_the_exact_zpl(printer, zpl):
    assert RawTcpTransport("127.0.0.1", printer.port).send(zpl) is None
    assert printer.job() == zpl


def test_a_printer_that_refuses_connections_is_unreachable():
    port = free_port()
    with pytest.raises(PrinterUnreachable) as raised:
        RawTcpTransport("127.0.0.1", port, timeout=2).send(b"^XA^XZ")
    assert raised.value.code == "printer_unreachable"
    assert raised.value.status == 503
    assert f"127.0.0.1:{port}" in str(raised.value)


def test_a_printer_that_stops_reading_times_out_as_unreachable():
    # Accepts the connection (the kernel does) but never reads: buffers fill, sendall stalls.
    with socket.create_server(("127.0.0.1", 0)) as stalled:
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        port = stalled.getsockname()[1]
        with pytest.raises(PrinterUnreachable, match="timed out"):
            RawTcpTransport("127.0.0.1", port, timeout=0.5).send(b"^XA^XZ" * 10_000_000)


def test_the_download_transport_hands_the_bytes_back(zpl):
    assert DownloadTransport().send(zpl) is zpl


def test_transports_are_found_by_name():
    assert set(TRANSPORTS) == {"tcp9100", "cups", "download"}
    transport = get_transport("tcp9100", host="10.1.2.3", port=9100)
    assert isinstance(transport, RawTcpTransport)
    assert (transport.host, transport.port) == ("10.1.2.3", 9100)


def test_an_unknown_transport_name_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInput, match="tcp9100"):
        get_transport("carrier-pigeon")


def test_cups_transport_without_lp_installed_is_unreachable(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterUnreachable, match="no lp command"):
        CupsTransport("labels").send(b"^XA^XZ")


@pytest.fixture
def cups_server():
    """A private cupsd on a Unix socket in a temporary directory; the system CUPS is untouched."""
    if shutil.which("lpadmin") is None:
        pytest.skip("lpadmin not found: install cups and cups-bsd to test the CUPS transport")
    if shutil.which("cupsd") is None:
        pytest.fail("lpadmin is installed but cupsd is not: install the cups package")
    # Not pytest's tmp_path: CUPS runs backends as the lp user, who must reach the spool, and
    # pytest's base directory is private to the user running the tests.
    with tempfile.TemporaryDirectory(prefix="lims-cups-") as name:
        root = Path(name)
        root.chmod(0o755)
        yield from _private_cupsd(root)


def _private_cupsd(root: Path) -> Iterator[str]:
    for folder in ("spool", "cache", "state", "tmp", "log"):
        (root / folder).mkdir()
    socket_path = root / "cups.sock"
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nTempDir {root}/tmp\nErrorLog {root}/log/error_log\n"
        f"AccessLog {root}/log/access_log\nPageLog {root}/log/page_log\n"
        f"Printcap {root}/printcap\n"
    )
    (root / "cupsd.conf").write_text(
        f"Listen {socket_path}\nBrowsing No\nWebInterface No\nLogLevel info\n"
        "<Location />\n  Order allow,deny\n  Allow localhost\n</Location>\n"
    )
    daemon = subprocess.Popen(
        ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_scheduler(str(socket_path), daemon, root)
        yield str(socket_path)
    finally:
        daemon.terminate()
        daemon.wait(WAIT_SECONDS)


def _wait_for_scheduler(server: str, daemon: subprocess.Popen, root: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            pytest.fail(f"cupsd exited: {daemon.stderr.read().decode()} {_log(root)}")
        status = subprocess.run(["lpstat", "-h", server, "-r"], capture_output=True, text=True)
        if "scheduler is running" in status.stdout:
            return
        time.sleep(0.1)
    pytest.fail(f"cupsd did not start within {WAIT_SECONDS} s {_log(root)}")


def _log(root: Path) -> str:
    log = root / "log" / "error_log"
    return log.read_text() if log.exists() else ""


def test_a_cups_raw_queue_delivers_the_exact_zpl(cups_server, printer, zpl):
    subprocess.run(
        [
            "lpadmin",
            "-h",
            cups_server,
            "-p",
            "lims-labels",
            "-v",
            f"socket://127.0.0.1:{printer.port}",
            "-E",
        ],
        check=True,
        capture_output=True,
    )
    CupsTransport("lims-labels", server=cups_server).send(zpl)
    assert printer.job() == zpl


def test_a_cups_queue_that_does_not_exist_is_reported_with_the_cups_message(cups_server):
    with pytest.raises(PrinterUnreachable, match="no-such-queue") as raised:
        CupsTransport("no-such-queue", server=cups_server).send(b"^XA^XZ")
    assert "does not exist" in str(raised.value)

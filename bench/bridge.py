"""The bridge's sending side: scans forwarded per second to a local server, and spool drain time."""

import os
import tempfile
import time
from pathlib import Path

from knox.models import AuthToken

from barcode_printing.ids import format_id
from bench.custody import _fill_custody, _network
from scanner_drivers.client import ApiClient, Outcome
from scanner_drivers.spool import Spool
from tests.scanner_drivers.live import LiveServer

SCANS = 300
SPOOL_TARGET = 10_000


def main() -> None:
    site, phleb = _network()
    # The 100k collected benchmark tubes (BN…) that the custody benchmark writes.
    _fill_custody(site, phleb)
    _, token = AuthToken.objects.create(phleb)
    server = LiveServer(os.environ["DATABASE_URL"])
    server.start()
    try:
        rate = _drain(server.url, token)
    finally:
        server.stop()
    print(
        f"bridge -> runserver, weigh requests from a spool: {rate:.0f} scans/s (target >= 200); "
        f"a {SPOOL_TARGET:,}-scan spool drains in {SPOOL_TARGET / rate:.0f} s "
        f"(target < 60 s; extrapolated from {SCANS} scans)"
    )


def _drain(server: str, token: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        spool = Spool(Path(folder) / "spool.sqlite3", station="bench")
        for number in range(1, SCANS + 1):
            barcode = format_id("BN", number)
            spool.append(
                f"specimens/{barcode}/weigh/",
                {"grams": "10.150", "device": "bench-scale", "stable": True},
                barcode,
            )
        client = ApiClient(server, token)
        started = time.perf_counter()
        while (pending := spool.first()) is not None:
            answer = client.post(pending.path, pending.body, key=pending.key)
            assert answer.outcome == Outcome.ACCEPTED, answer
            spool.done(pending)
        elapsed = time.perf_counter() - started
        client.close()
        spool.close()
    return SCANS / elapsed

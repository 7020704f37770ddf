"""The bridge against gunicorn: scans forwarded per second, spool drain, server cost per scan."""

import itertools
import os
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.test import Client
from knox.models import AuthToken

from barcode_printing.ids import format_id
from bench.custody import _fill_custody, _network
from scanner_drivers.bridge import DEFAULT_BATCH, DEFAULT_IN_FLIGHT, Bridge, StationConfig
from scanner_drivers.client import ApiClient
from scanner_drivers.simulators import ScaleSimulator, ScannerSimulator
from scanner_drivers.spool import Spool
from tests.scanner_drivers.live import GunicornServer

SPOOL_TARGET = 10_000
SERIAL_SCANS = 1_000
LIVE_SCANS = 2_000
SERVER_SAMPLE = 200
# gunicorn's advice for sync workers: two per core and one more, so a core never idles while
# a worker waits for the database.
WORKERS = 2 * (os.cpu_count() or 1) + 1
WEIGHT = {"grams": "10.150", "device": "bench-scale", "stable": True}
GUNICORN_POSTGRES = ("gunicorn", "postgres")


def main() -> None:
    site, phleb = _network()
    # The 100k collected benchmark tubes (BN…) that the custody benchmark writes.
    _fill_custody(site, phleb)
    _, token = AuthToken.objects.create(phleb)
    _server_cost(token)
    # Connections kept for the whole run: a backend that exits takes its CPU time out of the
    # figures below (persistence itself is the default on PostgreSQL either way).
    server = GunicornServer(os.environ["DATABASE_URL"], workers=WORKERS, DJANGO_CONN_MAX_AGE="3600")
    server.start()
    try:
        _drain(server, token, scans=SERIAL_SCANS, in_flight=1)
        _drain(server, token, scans=SPOOL_TARGET, in_flight=DEFAULT_IN_FLIGHT)
        _live(server.url, token)
    finally:
        server.stop()


def _server_cost(token: str) -> None:
    """What a weighing costs the server itself, without HTTP: alone and in a batch."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    numbers = iter(range(50_000, 60_000))

    def alone():
        answer = client.post(
            f"/api/v1/specimens/{format_id('BN', next(numbers))}/weigh/",
            WEIGHT,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert answer.status_code == 200, answer.content

    def batch():
        requests = [
            {
                "key": uuid.uuid4().hex,
                "path": f"specimens/{format_id('BN', n)}/weigh/",
                "body": WEIGHT,
            }
            for n in itertools.islice(numbers, DEFAULT_BATCH)
        ]
        answer = client.post(
            "/api/v1/batch/", {"requests": requests}, content_type="application/json"
        )
        assert answer.status_code == 200 and b'"status":200' in answer.content, answer.content[:300]

    for name, send, scans in (
        ("alone", alone, 1),
        (f"in batches of {DEFAULT_BATCH}", batch, DEFAULT_BATCH),
    ):
        queries = _count_queries(send)
        rounds = max(3, SERVER_SAMPLE // scans)
        started = time.perf_counter()
        for _ in range(rounds):
            send()
        each = (time.perf_counter() - started) / (rounds * scans)
        print(
            f"server, in process, a keyed weighing {name}: {each * 1000:.1f} ms and "
            f"{queries / scans:.2f} queries a scan, so at most {1 / each:.0f} scans/s per "
            f"core ({os.cpu_count()} cores here)"
        )


def _count_queries(call) -> int:
    """The statements ``call`` sends (the test client's requests reset Django's query log)."""
    sent = []

    def counted(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        call()
    return len(sent)


class _Tally:
    """The bridge's terminal: counts accepted answers and says when `expected` are in."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.accepted = 0
        self.other: list[str] = []
        self.done = threading.Event()

    def show(self, line: str) -> None:
        if line.endswith(": accepted"):
            self.accepted += 1
            if self.accepted == self.expected:
                self.done.set()
        else:
            self.other.append(line)


def _bridged(config: StationConfig, spool: Spool, server: str, token: str, tally: _Tally):
    bridge = Bridge(config, spool, ApiClient(server, token), show=tally.show)
    thread = threading.Thread(target=bridge.run)
    thread.start()
    return bridge, thread


def _drain(server: GunicornServer, token: str, *, scans: int, in_flight: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spool = Spool(Path(folder) / "spool.sqlite3", station="bench")
        for number in range(1, scans + 1):
            barcode = format_id("BN", number)
            spool.append(f"specimens/{barcode}/weigh/", WEIGHT, barcode)
        # Nothing to read: the sending side alone, on a spool that the server's outage left.
        config = StationConfig(
            station="bench", action="weigh", device="loop://", scale="loop://", in_flight=in_flight
        )
        tally = _Tally(scans)
        cpu_before = _server_cpu(server)
        started = time.perf_counter()
        bridge, thread = _bridged(config, spool, server.url, token, tally)
        assert tally.done.wait(600), tally.other[-3:]
        elapsed = time.perf_counter() - started
        cpu = _server_cpu(server)
        bridge.stop()
        thread.join()
        spool.close()
    workers, database = (_per_scan(cpu_before, cpu, kind, scans) for kind in GUNICORN_POSTGRES)
    print(
        f"bridge -> gunicorn ({WORKERS} workers), {in_flight} batch(es) of up to "
        f"{DEFAULT_BATCH} in flight: {scans:,}-scan spool "
        f"drained in {elapsed:.1f} s, {scans / elapsed:.0f} scans/s "
        f"(targets: >= 200 scans/s; {SPOOL_TARGET:,} scans in < 60 s); server CPU per scan: "
        f"{workers * 1000:.1f} ms gunicorn + {database * 1000:.1f} ms PostgreSQL, so at most "
        f"{(os.cpu_count() or 1) / (workers + database):.0f} scans/s on {os.cpu_count()} cores"
    )


def _per_scan(before: dict, after: dict, kind: str, scans: int) -> float:
    used = sum(seconds - before.get(key, 0) for key, seconds in after.items() if key[0] == kind)
    return used / scans


def _server_cpu(server: GunicornServer) -> dict[tuple[str, int], float]:
    """CPU seconds so far of gunicorn's workers and of the PostgreSQL backends they use (Linux)."""
    database = connection.settings_dict["NAME"].encode()
    seconds = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server.pid:
            kind = "gunicorn"
        elif command.startswith(b"postgres: ") and database in command.split():
            kind = "postgres"
        else:
            continue
        used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        seconds[kind, int(stat.parent.name)] = used
    return seconds


def _live(server: str, token: str) -> None:
    """Scans as a station makes them: a pty scanner, a pty balance, the spool, the server."""
    ids = [format_id("BN", number) for number in range(20_001, 20_001 + LIVE_SCANS)]
    scanner = ScannerSimulator(ids, rate=1000, delay=0.3)
    scale = ScaleSimulator("mtsics", load_g=Decimal("10.15"))
    config = StationConfig(
        station="bench-live", action="weigh", device=scanner.path, scale=scale.path
    )
    tally = _Tally(LIVE_SCANS)
    with tempfile.TemporaryDirectory() as folder:
        spool = Spool(Path(folder) / "spool.sqlite3", station=config.station)
        bridge, thread = _bridged(config, spool, server, token, tally)
        scale.start()
        scanner.start()
        started = time.perf_counter()
        assert tally.done.wait(600), tally.other[-3:]
        elapsed = time.perf_counter() - started - scanner.delay
        bridge.stop()
        thread.join()
        scanner.stop()
        scale.stop()
        spool.close()
    print(
        f"pty scanner and balance -> bridge -> gunicorn, {config.in_flight} batch(es) in flight: "
        f"{LIVE_SCANS:,} scans weighed and forwarded at {LIVE_SCANS / elapsed:.0f} scans/s"
    )

"""Single scans over HTTP against PostgreSQL's own pace (issue 18): gunicorn as deployed, wrk at
16 connections on weigh, collect, pack, receive and place, each without and with an
Idempotency-Key, beside pgbench running the same scan transaction in SQL before and after."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken

from bench.custody import TUBES, _fill_custody, _network, _orders
from bench.receipt import _site, _user
from bench.storage import _copy_specimens
from freezers import services as storage
from freezers.models import BoxType
from lims.choices import Role, SiteKind
from shipments import packing
from shipments.choices import Condition
from specimens.models import Specimen
from tests.scanner_drivers.live import GunicornServer

CONNECTIONS = 16
WORKERS = 5
WARM_UP_S = 5
MEASURE_S = 20
PGBENCH_S = 20
# Tubes prepared for each run: more than the fastest endpoint answers in warm-up and run.
TUBES_PER_RUN = 16_000
ORDERS_PER_RUN = 800
SHIPMENTS = CONNECTIONS
TARGET_UNKEYED, TARGET_KEYED, TARGET_P99_MS = 0.12, 0.10, 100
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
# The scan transaction written directly in SQL: the token read, the tube's row lock, a custody
# event with its SHA-256, the chain's head moved.
REFERENCE = """\\set id random({low}, {high})
BEGIN;
SELECT t.digest, t.expiry, u.id, u.is_active FROM knox_authtoken t
  JOIN lims_user u ON u.id = t.user_id WHERE t.token_key = '{key}';
SELECT custody_seq, custody_head FROM specimens_specimen WHERE id = :id FOR UPDATE;
INSERT INTO specimens_custodyevent
  (specimen_id, seq, version, kind, at, actor_id, site_id, ref, details, prev_hash, hash)
  SELECT id, custody_seq + 1, 2, 'weighed', now(), {actor}, {site}, '', '{{}}'::jsonb,
         custody_head, encode(sha256(convert_to(custody_head || id || now()::text, 'UTF8')), 'hex')
  FROM specimens_specimen WHERE id = :id;
UPDATE specimens_specimen s SET custody_seq = e.seq, custody_head = e.hash
  FROM specimens_custodyevent e
  WHERE s.id = :id AND e.specimen_id = s.id AND e.seq = s.custody_seq + 1;
COMMIT;
"""
# wrk's Lua: each thread walks its own share of the requests, never sending one twice.
WRK_SCRIPT = """
local requests = {requests}
local token, keyed, run = "{token}", {keyed}, "{run}"
local threads, counter = {{}}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  nth, sent, step = id + 1, 0, {threads}
end
function request()
  local item = requests[nth]
  nth = nth + step
  if nth > #requests then nth = id + 1 end
  sent = sent + 1
  local headers = {{["Authorization"] = "Token " .. token,
                   ["Content-Type"] = "application/json"}}
  if keyed then headers["Idempotency-Key"] = run .. "-" .. id .. "-" .. sent end
  return wrk.format("POST", item[1], headers, item[2])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %f %d %d %d\\n", summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.timeout + summary.errors.connect
      + summary.errors.read + summary.errors.write,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Endpoint:
    name: str
    requests: list[tuple[str, dict]]
    token: str


def main() -> None:
    wrk = _wrk()
    site, phleb = _network()
    _fill_custody(site, phleb)
    biobank = _site("BENCH-SCAN-BIOBANK", SiteKind.BIOBANK)
    tech = _user("bench-scan-tech", biobank, Role.BIOBANK_TECHNICIAN)
    admin = _user("bench-scan-admin", biobank, Role.SITE_ADMIN)
    started = time.perf_counter()
    tokens = {user: AuthToken.objects.create(user)[1] for user in (phleb, tech)}
    # SCAN_HTTP_ONLY=receive,place measures those scans alone (while working on them).
    only = set(filter(None, os.environ.get("SCAN_HTTP_ONLY", "").split(",")))
    runs = [
        (endpoint, keyed)
        for endpoint in _endpoints(site, biobank, phleb, tech, admin, tokens)
        for keyed in (False, True)
        if not only or endpoint.name in only
    ]
    print(f"fixtures for {len(runs)} runs in {time.perf_counter() - started:.0f} s")
    # The fixtures' new rows vacuumed and analysed now, as autovacuum would soon: otherwise it
    # may start on them in the middle of a measurement.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    statements = {(e.name, keyed): _statements(e, keyed) for e, keyed in runs}
    print(f"machine: {_uptime()}")
    before = _pgbench(site, phleb, tokens[phleb])
    results = _serve(wrk, runs, "")
    # The lever measured on the repeatable scan: without prepared statements, PostgreSQL plans
    # every statement of every scan (LIMS_DB_PREPARED=0; on by default).
    weigh = [(endpoint, keyed) for endpoint, keyed in runs if endpoint.name == "weigh"]
    if weigh:
        results += _serve(wrk, weigh, "unprepared", LIMS_DB_PREPARED="0")
    after = _pgbench(site, phleb, tokens[phleb])
    reference = (before + after) / 2
    print(f"reference (pgbench, {CONNECTIONS} clients): {before:.0f} tps before, {after:.0f} after")
    print(f"machine: {_uptime()}")
    header = f"{'endpoint':<19}{'key':<5}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
    print(header + f"{'ratio':>8}{'errors':>8}{'stmts':>7}  target")
    for endpoint, lever, keyed, (rate, p50, p99, errors) in results:
        ratio = rate / reference
        target = TARGET_KEYED if keyed else TARGET_UNKEYED
        met = ratio >= target and p99 <= TARGET_P99_MS and errors == 0
        print(
            f"{f'{endpoint.name} {lever}'.strip():<19}{'yes' if keyed else 'no':<5}"
            f"{rate:>8.0f}{p50:>8.1f}{p99:>8.1f}"
            f"{ratio:>8.1%}{errors:>8}{statements[endpoint.name, keyed]:>7}  "
            f"{'met' if met else 'missed'} (>= {target:.0%}, p99 <= {TARGET_P99_MS} ms)"
        )


def _serve(wrk: str, runs, lever: str, **environment: str) -> list:
    """Each run against gunicorn as deployed: WORKERS sync workers, production settings,
    persistent connections (``environment`` adds a lever's settings)."""
    server = GunicornServer(
        os.environ["DATABASE_URL"], workers=WORKERS, DJANGO_CONN_MAX_AGE="3600", **environment
    )
    server.start()
    try:
        return [
            (endpoint, lever, keyed, _drive(wrk, server, endpoint, keyed))
            for endpoint, keyed in runs
        ]
    finally:
        server.stop()


def _wrk() -> str:
    """wrk, installed from Debian's packages when missing (the benchmark runs as root)."""
    if shutil.which("wrk") is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
            subprocess.run(install, env=env, capture_output=True, check=True)
    return shutil.which("wrk")


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _endpoints(site, biobank, phleb, tech, admin, tokens) -> list[Endpoint]:
    """Each endpoint's requests, a different tube each, enough for a warm-up and a run
    without and with a key (the fixtures are new tubes each time the benchmark runs)."""
    need = 2 * TUBES_PER_RUN
    weighable = Specimen.objects.filter(barcode__startswith="BN", status="collected")
    weigh = [
        (f"/api/v1/specimens/{barcode}/weigh/", {"grams": "10.150", "device": "bench-scale"})
        for barcode in weighable.order_by("pk").values_list("barcode", flat=True)[:need]
    ]
    at = (timezone.now().replace(microsecond=0) - timedelta(hours=1)).isoformat()
    codes = _orders(site, phleb, 2 * ORDERS_PER_RUN, TUBES)
    orders: dict[str, list[str]] = {}
    for barcode, code in Specimen.objects.filter(order__code__in=codes).values_list(
        "barcode", "order__code"
    ):
        orders.setdefault(code, []).append(barcode)
    # One tube of each order in turn, so that the connections rarely wait on one order's lock.
    collect = [
        (f"/api/v1/orders/{code}/collect/", {"collected_at": at, "barcodes": [barcode]})
        for turn in range(len(TUBES))
        for code, barcodes in orders.items()
        for barcode in barcodes[turn : turn + 1]
    ]
    condition = Condition.DRY_ICE
    packing_into = _shipments(site, biobank, phleb, condition)
    pack = [
        (f"/api/v1/shipments/{packing_into[n % SHIPMENTS]}/items/", {"id": barcode})
        for n, barcode in enumerate(_fresh(site, "BK", need, "collected"))
    ]
    receive = _arrived(
        site, biobank, phleb, tech, condition, _fresh(site, "BR", need, "in_transit")
    )
    place = _slots(biobank, admin, tech, _fresh(biobank, "BP", need, "received"))
    return [
        Endpoint("weigh", weigh, tokens[phleb]),
        Endpoint("collect", collect, tokens[phleb]),
        Endpoint("pack", pack, tokens[phleb]),
        Endpoint("receive", receive, tokens[tech]),
        Endpoint("place", place, tokens[tech]),
    ]


def _fresh(site, prefix: str, count: int, status: str) -> list[str]:
    """New whole-blood aliquots in ``status`` at ``site``, written with COPY."""
    first = Specimen.objects.filter(barcode__startswith=prefix).count() + 1
    return _copy_specimens(site, prefix, first, count, status=status)


def _shipments(site, biobank, phleb, condition) -> list[str]:
    return [
        packing.shipment_create(
            actor=phleb, origin=site, destination=biobank, condition=condition
        ).code
        for _ in range(SHIPMENTS)
    ]


def _arrived(site, biobank, phleb, tech, condition, barcodes) -> list[tuple[str, dict]]:
    """Shipments at the biobank with ``barcodes`` on their manifests, in transit (SQL: a
    benchmark fixture, not a workflow)."""
    codes = _shipments(site, biobank, phleb, condition)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE shipments_shipment SET status = 'arrived', courier = 'fedex',
                tracking_number = '123456789012', dry_ice_kg = 2,
                dispatched_at = now() - interval '1 day', dispatched_by_id = %s,
                arrived_at = now(), arrived_by_id = %s, arrival_condition_ok = true
            WHERE code = ANY(%s)
            """,
            [phleb.pk, tech.pk, codes],
        )
        cursor.execute(
            """
            INSERT INTO shipments_shipmentitem (shipment_id, specimen_id, inner_box, position,
                open, receipt_status, added_by_id, added_at)
            SELECT sh.id, s.id, NULL, '', true, 'pending', %s, now() - interval '1 day'
            FROM unnest(%s::text[]) WITH ORDINALITY AS b(barcode, n)
            JOIN specimens_specimen s ON s.barcode = b.barcode
            JOIN shipments_shipment sh ON sh.code = (%s::text[])[1 + (b.n - 1) %% %s]
            """,
            [phleb.pk, barcodes, codes, len(codes)],
        )
    return [
        (f"/api/v1/shipments/{codes[n % len(codes)]}/receive/", {"id": barcode})
        for n, barcode in enumerate(barcodes)
    ]


def _slots(biobank, admin, tech, barcodes) -> list[tuple[str, dict]]:
    """A slot of a new box for each tube (9x9 boxes, ten to a rack, in a new freezer)."""
    freezer = storage.freezer_create(
        actor=admin,
        site=biobank,
        code=f"FRZ-{uuid.uuid4().hex[:8].upper()}",
        name="Scan bench",
        kind="upright_minus80",
        temperature_class="ultra_cold",
        set_point_c=-80,
    )
    box_type = BoxType.objects.get(code="9x9")
    rows = "ABCDEFGHI"
    slots = [f"{row}{column}" for row in rows for column in range(1, 10)]
    boxes, rack = [], None
    for number in range(-(-len(barcodes) // len(slots))):
        if number % 10 == 0:
            rack = storage.rack_create(actor=tech, freezer=freezer, name=f"R{number}", kind="rack")
        boxes.append(storage.box_create(actor=tech, rack=rack, box_type=box_type).code)
    return [
        (
            "/api/v1/storage/place/",
            {"id": barcode, "box": boxes[n // len(slots)], "position": slots[n % len(slots)]},
        )
        for n, barcode in enumerate(barcodes)
    ]


def _statements(endpoint: Endpoint, keyed: bool) -> int:
    """The statements of one request in process, transaction control left out; it takes the
    last request of the endpoint's list, which the runs reach last if ever."""
    client = Client(HTTP_AUTHORIZATION=f"Token {endpoint.token}")
    path, body = endpoint.requests.pop()
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if keyed else {}
    with CaptureQueriesContext(connection) as captured:
        answer = client.post(path, body, content_type="application/json", **headers)
    assert answer.status_code < 300, answer.content
    return sum(1 for query in captured if not _TRANSACTION_CONTROL.match(query["sql"]))


def _drive(wrk: str, server, endpoint: Endpoint, keyed: bool) -> tuple[float, float, float, int]:
    """Warm up, then measure: requests/s, p50 and p99 in ms, and failed requests."""
    half = len(endpoint.requests) // 2
    share = endpoint.requests[half:] if keyed else endpoint.requests[:half]
    warm = len(share) // 5
    _wrk_run(wrk, server, endpoint, share[:warm], keyed, WARM_UP_S)
    count, seconds, errors, p50, p99 = _wrk_run(
        wrk, server, endpoint, share[warm:], keyed, MEASURE_S
    )
    return count / seconds, p50 / 1000, p99 / 1000, errors


def _wrk_run(wrk, server, endpoint, requests, keyed, seconds) -> tuple[int, float, int, int, int]:
    items = ",".join(f"{{{_lua(path)},{_lua(json.dumps(body))}}}" for path, body in requests)
    script = WRK_SCRIPT.format(
        requests=f"{{{items}}}",
        token=endpoint.token,
        keyed="true" if keyed else "false",
        run=uuid.uuid4().hex,
        threads=2,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        base = urlparse(server.url)
        command = [
            wrk,
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout=10s",
            "-s",
            lua.name,
            f"http://{base.netloc}",
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(lua.name).unlink()
    count, duration, errors, p50, p99 = re.search(r"RESULT (.+)", output).group(1).split()
    return int(count), float(duration), int(errors), int(p50), int(p99)


def _lua(text: str) -> str:
    return json.dumps(text)


def _pgbench(site, phleb, token: str) -> float:
    """Transactions/s of the reference scan transaction, CONNECTIONS clients, MEASURE_S."""
    low, high = (
        Specimen.objects.filter(barcode__startswith="BN").order_by("pk").values_list("pk")[0][0],
        Specimen.objects.filter(barcode__startswith="BN").order_by("-pk").values_list("pk")[0][0],
    )
    script = REFERENCE.format(low=low, high=high, key=token[:15], actor=phleb.pk, site=site.pk)
    db = connection.settings_dict
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as sql:
        sql.write(script)
    try:
        command = [
            "pgbench",
            "-n",
            f"-c{CONNECTIONS}",
            "-j2",
            f"-T{PGBENCH_S}",
            "-f",
            sql.name,
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(sql.name).unlink()
    return float(re.search(r"tps = ([\d.]+)", output).group(1))

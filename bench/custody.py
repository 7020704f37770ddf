"""Custody at scale: one trail among 1M events, collection throughput, queries per transition."""

import multiprocessing
import os
import statistics
import time
from datetime import timedelta

from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from barcode_printing.ids import format_id
from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.models import Membership, Site, User
from specimens import services
from specimens.models import CustodyEvent, Participant, SpecimenType
from tests.helpers import client_for

EVENTS = 1_000_000
EVENTS_PER_SPECIMEN = 10
ORDERS = 200
TUBES = ["1SST8", "2SST8", "1PST8", "2PST8", "1HEP4", "1ED04", "1ED10", "2ED10", "1CFD9", "1UR10"]
NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


def main() -> None:
    site, phleb = _network()
    _fill_custody(site, phleb)
    _trail_read(phleb)
    _collect_throughput(site, phleb)
    _queries_per_transition(site, phleb)


def _network() -> tuple[Site, User]:
    site = Site.objects.filter(code="BENCH-SITE").first()
    if site is None:
        site = stamp(
            Site(code="BENCH-SITE", name="Bench", kind=SiteKind.COLLECTION, time_zone="UTC"),
            actor=None,
            reason="bench",
        )
        site.save()
    phleb = User.objects.filter(username="bench-phleb").first()
    if phleb is None:
        phleb = stamp(User(username="bench-phleb"), actor=None, reason="bench")
        phleb.save()
        stamp(
            Membership(user=phleb, site=site, role=Role.PHLEBOTOMIST), actor=None, reason="bench"
        ).save()
    return site, phleb


def _fill_custody(site: Site, phleb: User) -> None:
    """1M events on 100k specimens, written with COPY (a benchmark fixture, not a workflow)."""
    have = CustodyEvent.objects.count()
    if have >= EVENTS:
        print(f"custody events present: {have:,}")
        return
    started = time.perf_counter()
    participant, _ = Participant.objects.get_or_create(
        participant_id="P999999999", defaults={"biobank_id": "B999999999", "registered_site": site}
    )
    tube = SpecimenType.objects.get(code="1UR10")
    now = timezone.now()
    specimens = EVENTS // EVENTS_PER_SPECIMEN
    with connection.cursor() as cursor:
        copy = (
            "COPY specimens_specimen (barcode, type_id, participant_id, collection_site_id, "
            "current_site_id, status, hold_reason, disposal_due, centrifuge, qc_flags, "
            "custody_seq, custody_head, created_at) FROM STDIN"
        )
        with cursor.cursor.copy(copy) as stream:
            for number in range(1, specimens + 1):
                stream.write_row(
                    (
                        format_id("BN", number),
                        tube.pk,
                        participant.pk,
                        site.pk,
                        site.pk,
                        "collected",
                        "",
                        False,
                        "",
                        "[]",
                        EVENTS_PER_SPECIMEN,
                        "0" * 64,
                        now,
                    )
                )
        cursor.execute(
            """
            INSERT INTO specimens_custodyevent
                (specimen_id, seq, version, kind, at, actor_id, site_id, ref, details, prev_hash,
                 hash)
            SELECT s.id, g.seq, 2, 'collected', %s + g.seq * interval '1 minute', %s, %s,
                   'ORD-BENCH', '{}'::jsonb, repeat('0', 64), md5(s.id::text || g.seq::text)
                   || md5(g.seq::text || s.id::text)
            FROM specimens_specimen s CROSS JOIN generate_series(1, %s) AS g(seq)
            WHERE s.barcode LIKE 'BN%%'
        """,
            [now, phleb.pk, site.pk, EVENTS_PER_SPECIMEN],
        )
        cursor.execute("ANALYZE specimens_custodyevent")
        cursor.execute("ANALYZE specimens_specimen")
    print(
        f"wrote {CustodyEvent.objects.count():,} custody events in "
        f"{time.perf_counter() - started:.1f} s"
    )


def _trail_read(phleb: User) -> None:
    client = client_for(phleb)
    samples = []
    for number in range(1, 100_001, 500):
        started = time.perf_counter()
        response = client.get(f"/api/v1/specimens/{format_id('BN', number)}/custody/")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and len(response.json()) >= EVENTS_PER_SPECIMEN
    median = statistics.median(samples) * 1000
    print(
        f"trail read via API, {EVENTS:,} events in the table: median {median:.1f} ms, "
        f"p95 {statistics.quantiles(samples, n=20)[-1] * 1000:.1f} ms over {len(samples)} "
        f"reads (target < 20 ms)"
    )


def _orders(site: Site, phleb: User, count: int, tubes: list[str]) -> list[str]:
    codes = []
    # New IDs after those earlier runs registered: a run may reuse the database.
    last = (
        Participant.objects.filter(participant_id__regex=r"^P8[0-9]{8}$")
        .order_by("-participant_id")
        .values_list("participant_id", flat=True)
        .first()
    )
    first = int(last[2:]) + 1 if last else 0
    for number in range(first, first + count):
        participant = services.participant_register(
            actor=phleb, participant_id=f"P8{number:08d}", site=site
        )
        codes.append(
            services.order_create(
                actor=phleb, participant=participant, site=site, tube_codes=tubes, safety=NO_RISK
            ).code
        )
    return codes


def _collect_throughput(site: Site, phleb: User) -> None:
    """Orders collected per second by one worker, and by one worker per core together."""
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    single = _orders(site, phleb, ORDERS // 4, TUBES)
    rate = _collect([(single, _token(phleb), at)])
    print(f"collect via API, one worker: {rate:.1f} orders/s ({len(TUBES)}-tube orders)")
    workers = os.cpu_count() or 2
    codes = _orders(site, phleb, ORDERS, TUBES)
    rate = _collect([(codes[n::workers], _token(phleb), at) for n in range(workers)])
    print(
        f"collect via API, {workers} workers (one per core): {rate:.1f} orders/s, "
        f"{rate * len(TUBES):.0f} tube transitions/s (target >= 50 orders/s)"
    )


def _token(user: User) -> str:
    return AuthToken.objects.create(user)[1]


def _collect(shares: list[tuple[list[str], str, str]]) -> float:
    """Orders/s over the test client, one forked process per share (as app server workers)."""
    connections.close_all()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
        done = sum(pool.map(_collect_share, shares))
    return done / (time.perf_counter() - started)


def _collect_share(share: tuple[list[str], str, str]) -> int:
    codes, token, at = share
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for code in codes:
        response = client.post(
            f"/api/v1/orders/{code}/collect/", {"collected_at": at}, format="json"
        )
        assert response.status_code == 200, response.content
    connections.close_all()
    return len(codes)


def _queries_per_transition(site: Site, phleb: User) -> None:
    one, ten = _orders(site, phleb, 1, TUBES[:1])[0], _orders(site, phleb, 1, TUBES)[0]
    client = client_for(phleb)
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    counts = []
    for code in (one, ten):
        with CaptureQueriesContext(connection) as queries:
            client.post(f"/api/v1/orders/{code}/collect/", {"collected_at": at}, format="json")
        counts.append(len(queries))
    print(
        f"queries per collect request: 1 tube {counts[0]}, 10 tubes {counts[1]}; "
        f"per extra tube transition {(counts[1] - counts[0]) / 9:.1f}"
    )

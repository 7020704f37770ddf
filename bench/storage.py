"""Freezer storage at scale: 1M occupied positions, then allocation, a box map and occupancy."""

import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from barcode_printing.ids import format_id
from freezers.models import Box, BoxType, Freezer, Placement
from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.models import Membership, Site, User
from specimens.models import Participant, SpecimenType
from tests.helpers import client_for

OCCUPIED = 1_000_000
# Freezer A: 10,000 boxes of 10x10, all full but the last 300, which are partly used (a
# biobank that fills box after box). Freezer B: 2,500 boxes, the first few full.
BIG_BOXES, SMALL_BOXES, BOXES_PER_RACK = 10_000, 2_500, 100
ROUNDS = 15
BATCH = 96


def main() -> None:
    site, tech = _network()
    big = _fill(site, tech)
    client = client_for(tech)
    _allocation(client, site)
    _box_map(client, big)
    _occupancy(client, big)


def _network() -> tuple[Site, User]:
    site = Site.objects.filter(code="BENCH-BIOBANK").first()
    if site is None:
        site = Site(code="BENCH-BIOBANK", name="Bench", kind=SiteKind.BIOBANK, time_zone="UTC")
        stamp(site, actor=None, reason="bench").save()
    tech = User.objects.filter(username="bench-tech").first()
    if tech is None:
        tech = stamp(User(username="bench-tech"), actor=None, reason="bench")
        tech.save()
        for role in (Role.BIOBANK_TECHNICIAN, Role.SITE_ADMIN):
            stamp(Membership(user=tech, site=site, role=role), actor=None, reason="bench").save()
    return site, tech


def _fill(site: Site, tech: User) -> Freezer:
    """Two freezers and 1M placed specimens, written with SQL (a benchmark fixture)."""
    big = Freezer.objects.filter(code="BENCH-A").first()
    if big is not None and Placement.objects.filter(box__rack__freezer__site=site).exists():
        print(f"placements present: {Placement.objects.count():,}")
        return big
    started = time.perf_counter()
    big = _freezer(site, "BENCH-A", BIG_BOXES, full=BIG_BOXES - 300)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(used) FROM bench_used")
        # Whole boxes of freezer B make up the rest of the million.
        full = -(-(OCCUPIED - cursor.fetchone()[0]) // 100)
    _freezer(site, "BENCH-B", SMALL_BOXES, full=full)
    count = _specimens_and_placements(site)
    with connection.cursor() as cursor:
        for table in ("specimens_specimen", "freezers_placement", "freezers_box"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"wrote {count:,} placed specimens in {time.perf_counter() - started:.1f} s")
    return big


def _freezer(
    site: Site, code: str, boxes: int, *, full: int, first_code: int | None = None
) -> Freezer:
    """A freezer whose first ``full`` boxes are full and the rest used 40-89 (big) or 0; its
    boxes numbered from ``first_code`` (by default after BENCH-A's and BENCH-B's)."""
    freezer = Freezer(
        code=code,
        name=code,
        site=site,
        kind="upright_minus80",
        temperature_class="ultra_cold",
        set_point_c=-80,
    )
    stamp(freezer, actor=None, reason="bench").save()
    box_type = BoxType.objects.get(code="10x10")
    if first_code is None:
        first_code = 8_000_001 + (0 if code == "BENCH-A" else BIG_BOXES)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO freezers_rack (freezer_id, name, kind, position) "
            "SELECT %s, 'R' || g, 'rack', g FROM generate_series(1, %s) g",
            [freezer.pk, boxes // BOXES_PER_RACK],
        )
        cursor.execute(
            """
            INSERT INTO freezers_box (code, box_type_id, rack_id, position, used, created_at)
            SELECT 'BOX-' || lpad((%s + (r.position - 1) * %s + g - 1)::text, 7, '0'),
                   %s, r.id, g, 0, now()
            FROM freezers_rack r CROSS JOIN generate_series(1, %s) g
            WHERE r.freezer_id = %s
            """,
            [first_code, BOXES_PER_RACK, box_type.pk, BOXES_PER_RACK, freezer.pk],
        )
        # How many slots each box has used, kept on a scratch table for the placement insert.
        cursor.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS bench_used (box_id bigint, used int);
            INSERT INTO bench_used
            SELECT id, CASE WHEN n <= %s THEN 100
                            WHEN %s = 'BENCH-A' THEN 40 + (id %% 50) ELSE 0 END
            FROM (SELECT b.id, row_number() OVER (ORDER BY b.code) AS n
                  FROM freezers_box b JOIN freezers_rack r ON r.id = b.rack_id
                  WHERE r.freezer_id = %s) numbered
            """,
            [full, code, freezer.pk],
        )
    return freezer


def _specimens_and_placements(site: Site, prefix: str = "BS") -> int:
    """Stored specimens (IDs ``prefix``…) filling the slots the freezers made so far use."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(used) FROM bench_used")
        count = cursor.fetchone()[0]
    _copy_specimens(site, prefix, 1, count, status="stored")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH slots AS (
                SELECT u.box_id, g.i, row_number() OVER (ORDER BY u.box_id, g.i) AS n
                FROM bench_used u CROSS JOIN LATERAL generate_series(0, u.used - 1) g(i)
            ), tubes AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n
                FROM specimens_specimen WHERE barcode LIKE %s
            )
            INSERT INTO freezers_placement
                (specimen_id, box_id, "row", "column", placed_at, freeze_thaw_count)
            SELECT tubes.id, slots.box_id, slots.i / 10 + 1, slots.i %% 10 + 1, now(), 0
            FROM slots JOIN tubes USING (n)
            """,
            [f"{prefix}%"],
        )
        cursor.execute(
            "UPDATE freezers_box b SET used = u.used FROM bench_used u WHERE u.box_id = b.id"
        )
        cursor.execute("DROP TABLE bench_used")
    return count


def _copy_specimens(site: Site, prefix: str, first: int, count: int, *, status: str) -> list:
    participant, _ = Participant.objects.get_or_create(
        participant_id="P999999998", defaults={"biobank_id": "B999999998", "registered_site": site}
    )
    aliquot = SpecimenType.objects.get(code="WBLD")
    now = timezone.now()
    barcodes = [format_id(prefix, number) for number in range(first, first + count)]
    with connection.cursor() as cursor:
        copy = (
            "COPY specimens_specimen (barcode, type_id, participant_id, collection_site_id, "
            "current_site_id, status, hold_reason, disposal_due, centrifuge, qc_flags, "
            "custody_seq, custody_head, created_at) FROM STDIN"
        )
        with cursor.cursor.copy(copy) as stream:
            fixed = (aliquot.pk, participant.pk, site.pk, site.pk, status, "", False, "", "[]")
            for barcode in barcodes:
                stream.write_row((barcode, *fixed, 0, "0" * 64, now))
    return barcodes


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _allocation(client, site: Site) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM specimens_specimen WHERE barcode LIKE 'BT%'")
        done = cursor.fetchone()[0]
    samples, queries = [], []
    for round_ in range(ROUNDS):
        ids = _copy_specimens(site, "BT", done + round_ * BATCH + 1, BATCH, status="received")
        with CaptureQueriesContext(connection) as captured:
            elapsed = _timed(
                lambda ids=ids: _expect(
                    client.post(
                        "/api/v1/storage/allocate",
                        {"ids": ids, "strategy": "fill_first", "temperature_class": "ultra_cold"},
                        format="json",
                    ),
                    201,
                )
            )
        samples.append(elapsed)
        queries.append(len(captured))
    print(
        f"allocate {BATCH} tubes via API, {Placement.objects.count():,} placements: median "
        f"{_median_ms(samples):.1f} ms over {ROUNDS} rounds, {statistics.median(queries):.0f} "
        "queries (target < 200 ms)"
    )


def _box_map(client, freezer: Freezer) -> None:
    codes = (
        Box.objects.filter(rack__freezer=freezer).order_by("code").values_list("code", flat=True)
    )
    sample = list(codes)[::200]
    samples = [
        _timed(lambda code=code: _expect(client.get(f"/api/v1/boxes/{code}/map/"), 200))
        for code in sample
    ]
    print(
        f"box map via API: median {_median_ms(samples):.1f} ms over {len(samples)} boxes "
        "(target < 50 ms)"
    )


def _occupancy(client, freezer: Freezer) -> None:
    boxes = Box.objects.filter(rack__freezer=freezer).count()
    url = f"/api/v1/freezers/{freezer.code}/occupancy/"
    samples = [_timed(lambda: _expect(client.get(url), 200)) for _ in range(7)]
    print(
        f"occupancy via API of a freezer with {boxes:,} boxes: median "
        f"{_median_ms(samples):.1f} ms (target < 500 ms)"
    )


def _expect(response, status: int):
    assert response.status_code == status, response.content[:500]
    return response

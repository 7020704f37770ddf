"""The box page at scale: 100k stored tubes in 1,000 full 10x10 boxes, the page rendered through
the test client for a signed-in technician, median and p95 (target: median under 150 ms)."""

import statistics
import time

from django.db import connection
from django.test import Client

from bench import storage
from freezers.models import Box, Freezer, Placement

FREEZER = "BENCH-P"
BOXES = 1_000  # of 100 slots: 100,000 tubes
FIRST_CODE = 8_100_001
ROUNDS = 200
TARGET_MS = 150


def main() -> None:
    site, tech = storage._network()
    freezer = _fill(site)
    client = Client()
    client.force_login(tech)
    codes = list(
        Box.objects.filter(rack__freezer=freezer).order_by("code").values_list("code", flat=True)
    )
    sample = [codes[i * len(codes) // ROUNDS] for i in range(ROUNDS)]
    for label, query in (("box page", ""), ("box page with a slot chosen", "?slot=E5")):
        for code in sample[:5]:  # warm the connection, templates and the session
            _get(client, f"/storage/boxes/{code}{query}")
        queries = _queries(client, f"/storage/boxes/{sample[0]}{query}")
        samples = sorted(_timed(client, f"/storage/boxes/{code}{query}") for code in sample)
        median = statistics.median(samples)
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(
            f"{label}, {Placement.objects.filter(box__rack__freezer=freezer).count():,} tubes "
            f"stored: median {median:.1f} ms, p95 {p95:.1f} ms over {len(samples)} renders, "
            f"{queries} queries (target median < {TARGET_MS} ms)"
        )


def _fill(site) -> Freezer:
    """A freezer of full boxes, built once with bench/storage.py's builders."""
    freezer = Freezer.objects.filter(code=FREEZER).first()
    if freezer is not None:
        return freezer
    started = time.perf_counter()
    freezer = storage._freezer(site, FREEZER, BOXES, full=BOXES, first_code=FIRST_CODE)
    count = storage._specimens_and_placements(site, prefix="BP")
    with connection.cursor() as cursor:
        for table in ("specimens_specimen", "freezers_placement", "freezers_box"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"wrote {count:,} stored tubes in {time.perf_counter() - started:.1f} s")
    return freezer


def _queries(client, url: str) -> int:
    """The statements one render runs (the query log is off: DEBUG is False here)."""
    statements = []

    def count(execute, sql, *rest):
        statements.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        _get(client, url)
    return len(statements)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def _timed(client, url: str) -> float:
    started = time.perf_counter()
    _get(client, url)
    return (time.perf_counter() - started) * 1000

"""Station pages on PostgreSQL with 100k tubes: server time of a scan answered on the collect
and packing stations (target: median under 100 ms), as a browser posts it."""

import statistics
import time
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from bench.receipt import _site, _user
from bench.storage import _copy_specimens
from lims.choices import Role, SiteKind
from shipments import packing
from specimens import services
from specimens.models import Specimen

BACKGROUND = 100_000
ORDERS, VISIT = 20, ["1HEP4", "1ED02", "1ED04", "1ED10", "2ED10"]
NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


def main() -> None:
    site = _site("BENCH-WB", SiteKind.COLLECTION)
    biobank = _site("BENCH-BIOBANK", SiteKind.BIOBANK)
    phleb = _user("bench-wb-phleb", site, Role.PHLEBOTOMIST)
    if Specimen.objects.filter(barcode__startswith="BW").count() < BACKGROUND:
        _copy_specimens(site, "BW", 1, BACKGROUND, status="processed")
    print(f"{Specimen.objects.count():,} tubes in the database")
    client = Client()
    client.force_login(phleb)
    orders = [_order(site, phleb) for _ in range(ORDERS)]
    collected_at = timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime(
        "%Y-%m-%d %H:%M"
    )
    collect = [
        _timed(
            client.post,
            f"/collect/orders/{order.code}/collect",
            {"scan": barcode, "collected_at": collected_at},
        )
        for order in orders
        for barcode in order.specimens.values_list("barcode", flat=True)
    ]
    _report("collect station scan", collect)
    for order in orders:
        services.order_finalize(actor=phleb, order=order)
    shipment = packing.shipment_create(
        actor=phleb, origin=site, destination=biobank, condition="refrigerated"
    )
    pack = [
        _timed(client.post, f"/stations/shipments/{shipment.code}/pack", {"scan": barcode})
        for order in orders
        for barcode in order.specimens.values_list("barcode", flat=True)
    ]
    _report("packing station scan", pack)


def _order(site, phleb):
    person = services.participant_register(
        actor=phleb, participant_id=f"P8{time.time_ns() % 10**8:08d}", site=site
    )
    return services.order_create(
        actor=phleb, participant=person, site=site, tube_codes=VISIT, safety=NO_RISK
    )


def _timed(call, *args) -> float:
    started = time.perf_counter()
    response = call(*args)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 302), response.status_code
    return elapsed


def _report(what: str, samples: list[float]) -> None:
    print(
        f"{what}: median {statistics.median(samples) * 1000:.1f} ms, p95 "
        f"{statistics.quantiles(samples, n=20)[-1] * 1000:.1f} ms over {len(samples)} scans "
        "(target: median < 100 ms)"
    )

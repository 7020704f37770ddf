"""Receipt of a 1,000-tube shipment on PostgreSQL: scan by scan, the live diff, and closing."""

import statistics
import time
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.models import Membership, Site, User
from shipments import dispatch, packing, receipt
from specimens import services
from tests.helpers import client_for

TUBES = 1_000
# Ten tubes a visit that need no centrifuge, so a visit is collected and finalized at once.
VISIT = ["1HEP4", "1ED02", "1ED04", "1ED10", "2ED10", "1CFD9", "1PXR2", "1UR10", "1UR90", "1SAL"]
RECEIVED = 700
# Of the tubes received, those scanned at a station whose bridge sends batches of 100.
BATCHED = 200
NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


def main() -> None:
    site, biobank, phleb, tech = _network()
    started = time.perf_counter()
    shipment, ids = _shipment(site, biobank, phleb, tech)
    print(
        f"built, packed and dispatched {len(ids):,} tubes in {time.perf_counter() - started:.0f} s"
    )
    client = client_for(tech)
    url = f"/api/v1/shipments/{shipment.code}/"
    scans, diffs = [], []
    for number, barcode in enumerate(ids[: RECEIVED - BATCHED]):
        scans.append(_timed(client.post, url + "receive/", {"id": barcode}, format="json"))
        if number % 100 == 0:
            diffs.append(_timed(client.get, url + "reconciliation/"))
    print(
        f"receive scan via API: median {_ms(statistics.median(scans))}, p95 "
        f"{_ms(statistics.quantiles(scans, n=20)[-1])} over {len(scans)} scans (target < 20 ms)"
    )
    batched = ids[RECEIVED - BATCHED : RECEIVED]
    batches = [
        _timed_batch(client, url + "receive/", batched[i : i + 100]) for i in range(0, BATCHED, 100)
    ]
    print(
        f"receive scans in batches of 100 (a bridge draining its spool): "
        f"{_ms(sum(batches) / BATCHED)} a scan"
    )
    print(
        f"reconciliation of {TUBES:,} tubes via API: median {_ms(statistics.median(diffs))}, "
        f"max {_ms(max(diffs))} (target < 200 ms)"
    )
    with CaptureQueriesContext(connection) as queries:
        client.post(url + "receive/", {"id": ids[RECEIVED]}, format="json")
    print(f"queries per receive scan: {len(queries)} (independent of shipment size, see tests)")
    closing = _timed(client.post, url + "close/")
    print(
        f"close via API, {TUBES - RECEIVED - 1} tubes marked missing: {_ms(closing)} (target < 1 s)"
    )


def _timed_batch(client, path: str, ids: list[str]) -> float:
    """Seconds to receive ``ids`` in one batch, each scan answered 200."""
    requests = [
        {"key": uuid.uuid4().hex, "path": path.removeprefix("/api/v1/"), "body": {"id": i}}
        for i in ids
    ]
    started = time.perf_counter()
    response = client.post("/api/v1/batch/", {"requests": requests}, format="json")
    elapsed = time.perf_counter() - started
    statuses = {result["status"] for result in response.json()["results"]}
    assert response.status_code == 200 and statuses == {200}, response.content[:300]
    return elapsed


def _timed(call, *args, **kwargs) -> float:
    started = time.perf_counter()
    response = call(*args, **kwargs)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    return elapsed


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _site(code: str, kind: str) -> Site:
    site = Site.objects.filter(code=code).first()
    if site is None:
        site = stamp(
            Site(code=code, name=code, kind=kind, time_zone="UTC"), actor=None, reason="bench"
        )
        site.save()
    return site


def _user(name: str, site: Site, role: str) -> User:
    user = User.objects.filter(username=name).first()
    if user is None:
        user = stamp(User(username=name), actor=None, reason="bench")
        user.save()
        stamp(Membership(user=user, site=site, role=role), actor=None, reason="bench").save()
    return user


def _network() -> tuple[Site, Site, User, User]:
    site = _site("BENCH-SITE", SiteKind.COLLECTION)
    biobank = _site("BENCH-BIOBANK", SiteKind.BIOBANK)
    return (
        site,
        biobank,
        _user("bench-phleb", site, Role.PHLEBOTOMIST),
        _user("bench-tech", biobank, Role.BIOBANK_TECHNICIAN),
    )


def _shipment(site: Site, biobank: Site, phleb: User, tech: User):
    """A refrigerated shipment of TUBES finalized tubes, dispatched and arrived."""
    shipment = packing.shipment_create(
        actor=phleb, origin=site, destination=biobank, condition="refrigerated"
    )
    drawn = timezone.now() - timedelta(hours=1)
    ids = []
    for _ in range(TUBES // len(VISIT)):
        participant = services.participant_register(
            actor=phleb, participant_id=f"P7{time.time_ns() % 10**8:08d}", site=site
        )
        order = services.order_create(
            actor=phleb, participant=participant, site=site, tube_codes=VISIT, safety=NO_RISK
        )
        services.order_collect(actor=phleb, order=order, collected_at=drawn)
        services.order_finalize(actor=phleb, order=order)
        for barcode in order.specimens.values_list("barcode", flat=True):
            packing.shipment_add_item(actor=phleb, shipment=shipment, barcode=barcode)
            ids.append(barcode)
    dispatch.shipment_dispatch(
        actor=phleb, shipment=shipment, courier="fedex", tracking_number="123456789012"
    )
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    return shipment, ids

"""The program's 36-hour rule: finalized tubes not at the biobank in time, listed per site."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def hours_ago(monkeypatch):
    """``with hours_ago(40):`` runs the block with the server clock 40 hours behind."""
    real_now = timezone.now

    @contextmanager
    def travel(hours):
        start = real_now()
        then = start - timedelta(hours=hours)
        monkeypatch.setattr(timezone, "now", lambda: then + (real_now() - start))
        try:
            yield
        finally:
            monkeypatch.setattr(timezone, "now", real_now)

    return travel


def test_tubes_waiting_too_long_are_listed_per_site(
    api, phleb_north, phleb_south, south, tech, finalized, in_transit, hours_ago
):
    with hours_ago(40):
        stale = finalized("1ED10", "1UR10")
    with hours_ago(50):
        shipped = finalized("1ED04")
    with hours_ago(37):
        southern = finalized("1ED10", site=south, who=phleb_south)
    fresh = finalized("2ED10")
    # Dispatched two hours ago: on its way in time, whenever its order was finalized.
    with hours_ago(2):
        in_transit(shipped)

    north_view = api(phleb_north).get("/api/v1/reports/overdue").json()
    assert north_view["threshold_hours"] == 36
    assert sorted(row["id"] for row in north_view["results"]) == sorted(t.barcode for t in stale)
    assert north_view["by_site"] == {"SITE-NORTH": 2}
    assert fresh[0].barcode not in {row["id"] for row in north_view["results"]}
    row = north_view["results"][0]
    assert row["site"] == "SITE-NORTH" and row["hours_since"] >= 40 and row["shipment"] is None

    bank = api(tech).get("/api/v1/reports/overdue").json()
    assert bank["by_site"] == {"SITE-NORTH": 2, "SITE-SOUTH": 1}
    only_south = api(tech).get("/api/v1/reports/overdue?site=site-south").json()
    assert [r["id"] for r in only_south["results"]] == [southern[0].barcode]


def test_a_tube_on_its_way_counts_from_dispatch(api, tech, finalized, in_transit, hours_ago):
    with hours_ago(60):
        tubes = finalized("1ED10")
    with hours_ago(37):
        shipment = in_transit(tubes)
    rows = api(tech).get("/api/v1/reports/overdue").json()["results"]
    assert [(r["id"], r["status"], r["shipment"]) for r in rows] == [
        (tubes[0].barcode, "in_transit", shipment.code)
    ]
    assert 37 <= rows[0]["hours_since"] < 38


def test_a_received_tube_is_not_overdue(api, tech, finalized, in_transit, hours_ago):
    from shipments import receipt

    with hours_ago(50):
        tubes = finalized("1ED10")
        shipment = in_transit(tubes)
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    receipt.shipment_receive(actor=tech, shipment=shipment, barcode=tubes[0].barcode)
    assert api(tech).get("/api/v1/reports/overdue").json()["count"] == 0

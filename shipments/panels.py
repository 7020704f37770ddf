"""What shipments shows on the dashboard: shipments in transit and tubes overdue (the 36-hour
rule), receipts with discrepancies, transit times and temperature excursions in transit."""

from django.db.models import Count
from django.utils import timezone

from lims.choices import Role
from lims.web import panels, svg
from shipments import selectors
from shipments.choices import DiscrepancyKind, ShipmentStatus
from shipments.models import Discrepancy, Excursion, Shipment

TRANSIT = panels.Bins(edges=(12, 24, 36), labels=("< 12 h", "12–24 h", "24–36 h", "> 36 h"))
KINDS = list(DiscrepancyKind)
RECENT = 20


def in_transit_and_overdue(user) -> panels.Panel:
    in_transit = dict(
        Shipment.objects.for_user(user)
        .filter(status=ShipmentStatus.DISPATCHED)
        .order_by()
        .values_list("origin__code")
        .annotate(n=Count("pk"))
    )
    overdue = selectors.overdue_by_site(selectors.overdue(user, timezone.now()))
    sites = sorted(set(in_transit) | set(overdue))
    series = {
        "Shipments in transit": [in_transit.get(site, 0) for site in sites],
        "Tubes overdue (36 h)": [overdue.get(site, 0) for site in sites],
    }
    title = "Shipments in transit and tubes overdue"
    return panels.Panel(
        title=title,
        headings=["Site", *series],
        rows=[[site, in_transit.get(site, 0), overdue.get(site, 0)] for site in sites],
        chart=svg.bars(sites, series, title=title) if sites else "",
        note="A finalized tube is overdue 36 hours after dispatch (or after finalization when "
        "it was never dispatched) until the biobank receives it.",
    )


def discrepancies(user) -> panels.Panel:
    rows = (
        Discrepancy.objects.for_user(user)
        .order_by()
        .values_list("shipment__code", "shipment__origin__code", "kind", "shipment__arrived_at")
        .annotate(n=Count("pk"))
        .order_by("-shipment__arrived_at", "shipment__code")
    )
    by_shipment: dict[tuple[str, str], dict[str, int]] = {}
    by_site: dict[str, list[int]] = {}
    for code, origin, kind, _arrived, n in rows:
        by_shipment.setdefault((code, origin), {})[kind] = n
        by_site.setdefault(origin, [0] * len(KINDS))[KINDS.index(kind)] += n
    title = "Receipts with discrepancies"
    return panels.Panel(
        title=title,
        headings=["Shipment", "From", *(kind.label for kind in KINDS)],
        rows=[
            [code, origin, *(found.get(kind, 0) for kind in KINDS)]
            for (code, origin), found in list(by_shipment.items())[:RECENT]
        ],
        chart=svg.bars([k.label for k in KINDS], dict(sorted(by_site.items())), title=title)
        if by_site
        else "",
        note=f"The {RECENT} latest receipts where the biobank found what the manifest did not "
        "promise; the plot counts every one by sending site.",
    )


def transit_time(user) -> panels.Panel:
    counts = panels.distribution(
        Shipment.objects.for_user(user),
        group="origin__code",
        start="dispatched_at",
        end="arrived_at",
        bins=TRANSIT,
    )
    return panels.distribution_panel(
        "Transit time (dispatch → arrival)",
        counts,
        TRANSIT,
        what="Shipments that arrived, by sending site.",
    )


def excursions(user) -> panels.Panel:
    rows = list(
        Excursion.objects.filter(log__shipment__in=Shipment.objects.for_user(user))
        .select_related("log__shipment__origin")
        .order_by("-started_at")[:RECENT]
    )
    per_site = dict(
        Excursion.objects.filter(log__shipment__in=Shipment.objects.for_user(user))
        .order_by()
        .values_list("log__shipment__origin__code")
        .annotate(n=Count("pk"))
    )
    title = "Temperature excursions in transit"
    sites = sorted(per_site)
    return panels.Panel(
        title=title,
        headings=["Shipment", "From", "Started (UTC)", "Minutes", "Peak °C"],
        rows=[
            [
                e.log.shipment.code,
                e.log.shipment.origin.code,
                f"{e.started_at:%Y-%m-%d %H:%M}",
                f"{e.duration_minutes:g}",
                e.peak_c,
            ]
            for e in rows
        ],
        chart=svg.bars(sites, {"Excursions": [per_site[s] for s in sites]}, title=title)
        if sites
        else "",
        note="Stretches of a shipment's logger outside its condition's range (latest first).",
    )


def register() -> None:
    everyone = list(Role)
    panels.register("in_transit", in_transit_and_overdue, roles=everyone, order=10)
    panels.register("discrepancies", discrepancies, roles=everyone, order=20)
    panels.register("transit_time", transit_time, roles=everyone, order=40)
    panels.register("transit_excursions", excursions, roles=everyone, order=50)

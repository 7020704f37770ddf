"""What freezer storage shows on the dashboard (registered on import): occupancy per freezer
and temperature readings outside a freezer's band."""

from datetime import timedelta

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from freezers.models import Box, Freezer, TemperatureReading
from lims.choices import Role
from lims.web import panels, svg

READINGS_WINDOW = timedelta(days=30)


def occupancy(user) -> panels.Panel:
    rows = list(
        Box.objects.filter(rack__freezer__in=Freezer.objects.for_user(user))
        .order_by("rack__freezer__code")
        .values_list("rack__freezer__code")
        .annotate(capacity=Sum(F("box_type__rows") * F("box_type__columns")), used=Sum("used"))
    )
    title = "Freezer occupancy"
    codes = [code for code, _capacity, _used in rows]
    series = {
        "Used slots": [used for _code, _capacity, used in rows],
        "Free slots": [capacity - used for _code, capacity, used in rows],
    }
    return panels.Panel(
        title=title,
        headings=["Freezer", "Slots", "Used", "Free", "Used %"],
        rows=[
            [code, capacity, used, capacity - used, f"{used * 100 // capacity if capacity else 0}%"]
            for code, capacity, used in rows
        ],
        chart=svg.bars(codes, series, title=title) if rows else "",
        note="Slots of the boxes in each freezer; a checked-out tube keeps its slot reserved.",
    )


def excursions(user) -> panels.Panel:
    since = timezone.now() - READINGS_WINDOW
    outside = Q(temperature_c__lt=F("low_c")) | Q(temperature_c__gt=F("high_c"))
    rows = list(
        TemperatureReading.objects.filter(freezer__in=Freezer.objects.for_user(user), at__gte=since)
        .order_by("freezer__code")
        .values_list("freezer__code")
        .annotate(
            readings=Count("pk"),
            out=Count("pk", filter=outside),
            last=Max("at", filter=outside),
        )
    )
    title = "Freezer temperature excursions (30 days)"
    codes = [row[0] for row in rows]
    return panels.Panel(
        title=title,
        headings=["Freezer", "Readings", "Outside the band", "Last outside (UTC)"],
        rows=[
            [code, n, out, f"{last:%Y-%m-%d %H:%M}" if last else "—"] for code, n, out, last in rows
        ],
        chart=svg.bars(codes, {"Readings outside the band": [r[2] for r in rows]}, title=title)
        if rows
        else "",
        note="Readings below the low or above the high limit in force when they were taken.",
    )


panels.register("freezer_occupancy", occupancy, roles=list(Role), order=60)
panels.register("freezer_excursions", excursions, roles=list(Role), order=70)

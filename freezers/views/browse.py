"""The storage browser: freezers with their occupancy, racks and boxes, and each box's map."""

from urllib.parse import urlencode

from django.db.models import F, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from barcode_printing.choices import PrintStatus
from barcode_printing.models import PrintJob
from barcode_printing.web import PrintForm
from freezers import lookups, selectors
from freezers.models import Freezer, Placement
from freezers.web import TECHNICIAN
from lims.errors import DomainError
from lims.web.pages import answer, role_required
from specimens.lifecycle import allowed_actions

JOBS_SHOWN = 5
PENDING = (PrintStatus.QUEUED, PrintStatus.SENDING)


def found(lookup, request, code: str):
    """The box or freezer ``code`` among the user's (``lookups.box_for``, ``freezer_for``), else
    404: a page does not tell another site's objects from none."""
    try:
        return lookup(request.user, code)
    except DomainError as error:
        raise Http404(error.detail) from None


@require_safe
@role_required(TECHNICIAN)
def freezers(request):
    """Every freezer the user can see: site, temperature class, status and how full it is."""
    rows = (
        Freezer.objects.for_user(request.user)
        .select_related("site")
        .annotate(
            capacity=Sum(F("racks__boxes__box_type__rows") * F("racks__boxes__box_type__columns")),
            used=Sum("racks__boxes__used"),
        )
        .order_by("site__code", "code")
    )
    return render(request, "freezers/freezers.html", {"freezers": rows})


@require_safe
@role_required(TECHNICIAN)
def freezer(request, code: str):
    """One freezer: its racks in order, each box with its fill."""
    shown = found(lookups.freezer_for, request, code)
    return render(
        request,
        "freezers/freezer.html",
        {"freezer": shown, "occupancy": selectors.occupancy(shown)},
    )


def grid_rows(box, layout: dict) -> tuple[list[str], list[dict]]:
    """Column headings and rows (heading, cells) as the box type names them: letters and
    numbers for a lettered grid, slot numbers (in fill order) for a numbered one."""
    grid = box.grid
    if grid.naming == "letter_number":
        columns = [str(c) for c in range(1, grid.columns + 1)]
        headings = [grid.name(r, 1)[0] for r in range(1, grid.rows + 1)]
    else:
        columns = [""] * grid.columns
        headings = [""] * grid.rows
    return columns, [
        {"heading": heading, "cells": cells}
        for heading, cells in zip(headings, layout["grid"], strict=True)
    ]


@require_safe
@role_required(TECHNICIAN)
def box(request, code: str):
    """The box drawn to scale, each slot coloured by state and type; a scan opens the tube."""
    shown = found(lookups.box_for, request, code)
    scanned = request.GET.get("scan", "").strip()
    if scanned:
        return redirect(f"{reverse('search')}?{urlencode({'q': scanned[:64]})}")
    return box_page(request, shown)


def box_page(request, box, *, status: int = 200, label=None):
    """The box page; ``label`` is the print form as sent, to show what was wrong with it."""
    layout = selectors.box_map(box)
    columns, rows = grid_rows(box, layout)
    jobs = list(label_jobs(box)[:JOBS_SHOWN])
    return render(
        request,
        "freezers/box.html",
        {
            "box": box,
            "layout": layout,
            "columns": columns,
            "rows": rows,
            "chosen": _chosen_slot(request, box),
            "label": label or PrintForm(site=box.rack.freezer.site),
            "jobs": jobs,
            "pending": any(job.status in PENDING for job in jobs),
            "zone": box.rack.freezer.site.time_zone,
        },
        status=status,
    )


def label_jobs(box):
    """Print jobs of the box's label, newest first."""
    return (
        PrintJob.objects.filter(items__payload=box.code)
        .select_related("printer")
        .order_by("-created_at", "-pk")
    )


def _chosen_slot(request, box) -> dict | None:
    """The clicked slot (``?slot=B2``): its tube, and what the tube's lifecycle allows now."""
    wanted = request.GET.get("slot", "").strip()[:8]
    if not wanted:
        return None
    try:
        row, column = box.grid.parse(wanted, field="slot")
    except DomainError as error:
        answer(request, error.detail, ok=False)
        return None
    placement = (
        Placement.objects.filter(box=box, row=row, column=column)
        .select_related("specimen__type", "specimen__participant")
        .first()
    )
    chosen = {"position": box.grid.name(row, column), "placement": placement}
    if placement is not None:
        chosen["actions"] = allowed_actions(placement.specimen, request.user)
    return chosen

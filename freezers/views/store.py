"""Scanning stations of storage: store a tube (tube, box, position), retrieve and return it.

A scan is read by its shape: ``BOX-…`` is a box, a slot name (A1, 12) a position, anything else
a tube. The station keeps the tube and box scanned so far in hidden fields, and keeps the box
after a tube is stored, since the next tube usually goes into the same box.
"""

import re

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from freezers import lookups, selectors, services
from freezers.models import Placement
from freezers.views.browse import grid_rows
from freezers.web import TECHNICIAN
from lims.errors import DomainError
from lims.web.pages import answer, role_required
from specimens.lifecycle import allowed_actions

BOX_SHAPE = re.compile(r"BOX-\d{7}")
POSITION_SHAPE = re.compile(r"[A-Z]?\s*\d{1,4}")
MAX_SCAN = 64


def _path(placement: Placement) -> str:
    """Freezer, rack, box and position, as the answer names the slot."""
    box = placement.box
    return " › ".join(
        [
            box.rack.freezer.code,
            box.rack.name,
            box.code,
            box.grid.name(placement.row, placement.column),
        ]
    )


def _stored(request, tube, box, position: str) -> bool:
    try:
        placement = services.place_specimen(
            actor=request.user, specimen=tube, box=box, position=position
        )
    except DomainError as error:
        answer(request, error.detail, ok=False)
        return False
    answer(request, f"{tube.barcode} stored at {_path(placement)}.")
    return True


def _read_scan(request, held: dict) -> None:
    """Take one scan (or a clicked free slot) into ``held``; store once tube, box and position
    are all known."""
    scanned = request.POST.get("scan", "").strip().upper()[:MAX_SCAN]
    position = request.POST.get("position", "").strip().upper()
    if scanned and BOX_SHAPE.fullmatch(scanned):
        held["box"] = lookups.box_for(request.user, scanned, field="scan")
        if held["tube"] is None:
            answer(request, f"Box {scanned} chosen; now scan a tube.")
            return
    elif scanned and POSITION_SHAPE.fullmatch(scanned):
        position = scanned
    elif scanned:
        held["tube"] = lookups.specimen_for(request.user, scanned, field="scan")
    elif not position:
        answer(request, "Scan a tube, a box label or a position.", ok=False)
        return
    tube, box = held["tube"], held["box"]
    if tube is None:
        answer(request, "Scan the tube first, then the box and the position.", ok=False)
    elif {"store", "return"}.isdisjoint(allowed_actions(tube, request.user)):
        answer(
            request,
            f"{tube.barcode} is {tube.get_status_display().lower()}: it cannot be "
            "stored now; set it aside.",
            ok=False,
        )
        held["tube"] = None
    elif box is None:
        answer(request, f"{tube.barcode} scanned; now scan the box label.")
    elif not position:
        answer(request, f"{tube.barcode} into {box.code}: scan or click a free position.")
    elif _stored(request, tube, box, position):
        held["tube"] = None


def _held(request) -> dict:
    """The tube and box scanned earlier at this station (hidden fields), looked up again; a box
    page's link gives the box in the query."""
    held = {"tube": None, "box": None}
    sent = request.POST if request.method == "POST" else request.GET
    tube, box = sent.get("tube", ""), sent.get("box", "")
    try:
        if tube:
            held["tube"] = lookups.specimen_for(request.user, tube, field="tube")
        if box:
            held["box"] = lookups.box_for(request.user, box)
    except DomainError:
        # A forged or stale hidden field starts the station over rather than failing.
        return {"tube": None, "box": None}
    return held


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def store(request):
    """Scan a tube, then a box label and a position (or click a free slot of the box's map)."""
    held = _held(request)
    if request.method == "POST":
        try:
            _read_scan(request, held)
        except DomainError as error:
            answer(request, error.detail, ok=False)
    box = held["box"]
    context = {"tube": held["tube"], "box": box}
    if box is not None:
        layout = selectors.box_map(box)
        context["columns"], context["rows"] = grid_rows(box, layout)
        context["layout"] = layout
    return render(request, "freezers/store.html", context)


# --- retrieve and return ----------------------------------------------------------------------


def _retrieve_or_return(request, scanned: str, reason: str) -> None:
    """Return a checked-out tube to its reserved slot; check a stored one out with the reason.
    Which of the two is what the tube's lifecycle allows now."""
    tube = lookups.specimen_for(request.user, scanned, field="scan")
    actions = allowed_actions(tube, request.user)
    if "return" in actions:
        placement = services.return_specimen(actor=request.user, specimen=tube)
        answer(
            request,
            f"{tube.barcode} returned to {_path(placement)}; freeze-thaw cycles now "
            f"{placement.freeze_thaw_count}.",
        )
    elif "retrieve" in actions:
        placement = services.retrieve_specimen(actor=request.user, specimen=tube, reason=reason)
        answer(
            request,
            f"{tube.barcode} checked out from {_path(placement)} "
            f"({placement.freeze_thaw_count} freeze-thaw cycles so far); its slot stays "
            "reserved.",
        )
    else:
        answer(
            request,
            f"{tube.barcode} is {tube.get_status_display().lower()}: it can be neither "
            "checked out nor returned.",
            ok=False,
        )


def checked_out(user) -> list[dict]:
    """The user's checked-out tubes, longest out first, the overdue ones marked."""
    cutoff = timezone.now() - timezone.timedelta(hours=settings.LIMS_CHECKOUT_FOLLOW_UP_HOURS)
    rows = (
        Placement.objects.for_user(user)
        .with_box()
        .filter(checked_out_at__isnull=False)
        .order_by("checked_out_at", "pk")
    )
    return [{"placement": p, "path": _path(p), "overdue": p.checked_out_at <= cutoff} for p in rows]


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def retrieve_return(request):
    """Scan a stored tube to check it out (with a reason), a checked-out one to put it back."""
    reason = request.POST.get("reason", "").strip()[:500]
    if request.method == "POST":
        # A scan at the station, or the button of a slot on the box page (hidden "tube").
        scanned = (request.POST.get("scan") or request.POST.get("tube", "")).strip()[:MAX_SCAN]
        try:
            if not scanned:
                answer(request, "Scan a tube to check it out or return it.", ok=False)
            else:
                _retrieve_or_return(request, scanned, reason)
        except DomainError as error:
            answer(request, error.detail, ok=False)
    return render(
        request,
        "freezers/retrieve.html",
        {
            "reason": reason,
            "checked_out": checked_out(request.user),
            "hours": settings.LIMS_CHECKOUT_FOLLOW_UP_HOURS,
        },
    )

"""Allocation at the store station: scan a batch of tubes, see where the strategy would put each,
and confirm the proposal with one key (Enter on the empty scan field)."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from freezers import allocation, lookups
from freezers.choices import Strategy
from freezers.views.store import MAX_SCAN
from freezers.web import TECHNICIAN
from lims.errors import DomainError
from lims.web.pages import answer, role_required

MAX_BATCH = 96


def _held(request) -> list:
    """The tubes scanned so far (a hidden field), looked up again."""
    held = request.POST.get("batch", "").split()[:MAX_BATCH]
    return lookups.specimens_for(request.user, held, field="batch") if held else []


def _add(request, tubes: list) -> None:
    """Add the tube just scanned to the batch."""
    scanned = request.POST.get("scan", "").strip()[:MAX_SCAN]
    if scanned:
        tube = lookups.specimen_for(request.user, scanned, field="scan")
        if tube.barcode in {t.barcode for t in tubes}:
            answer(request, f"{tube.barcode} is already in the batch.", ok=True, warn=True)
        elif len(tubes) >= MAX_BATCH:
            answer(request, f"A batch holds {MAX_BATCH} tubes; confirm this one first.", ok=False)
        else:
            tubes.append(tube)
            answer(request, f"{tube.barcode} added; {len(tubes)} in the batch.")


def _proposal(tubes: list, strategy: str) -> list[dict]:
    """Where each tube would go now, without placing any."""
    where = allocation.batch_where(tubes, freezer=None, temperature_class=None)
    slots = allocation.plan(where, tubes, strategy)
    return [
        {"tube": tube, "path": box.slot_path(row, column)}
        for tube, (box, row, column) in zip(tubes, slots, strict=True)
    ]


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def allocate(request):
    """Scan tubes into a batch; Enter on the empty field stores them where proposed."""
    strategy = request.POST.get("strategy", Strategy.FILL_FIRST)
    if strategy not in Strategy.values:
        strategy = Strategy.FILL_FIRST
    tubes, proposal = [], []
    if request.method == "POST":
        confirm = not request.POST.get("scan", "").strip()
        try:
            tubes = _held(request)
            _add(request, tubes)
            if confirm and tubes:
                placed = allocation.allocate_specimens(
                    actor=request.user, specimens=tubes, strategy=strategy
                )
                answer(
                    request,
                    f"{len(placed)} tubes stored: "
                    + "; ".join(
                        f"{p.specimen.barcode} at {p.box.slot_path(p.row, p.column)}"
                        for p in placed
                    )
                    + ".",
                )
                tubes = []
            elif confirm:
                answer(request, "Scan the tubes of the batch first.", ok=False)
            if tubes:
                proposal = _proposal(tubes, strategy)
        except DomainError as error:
            answer(request, error.detail, ok=False)
    return render(
        request,
        "freezers/allocate.html",
        {
            "tubes": tubes,
            "proposal": proposal,
            "strategy": strategy,
            "strategies": Strategy.choices,
        },
    )

"""The rack-scan import page: upload a box's rack-reader CSV, see it as a grid diff against the
box (drawn like the box map, and listed), then apply it with a reason."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from freezers import lookups, rackscan
from freezers.views.browse import found, grid_rows
from freezers.web import TECHNICIAN
from lims.errors import DomainError
from lims.web.pages import answer, role_required

# A 16 by 24 rack's file is under 10 kB; anything much larger is not a rack scan.
MAX_FILE_BYTES = 256 * 1024
# Each status of rackscan, as the page names it, and the colour (legend class) it is drawn in.
SHOWN = {
    "match": ("match", "as recorded"),
    "moved": ("moved", "moved here from another slot"),
    "returned": ("moved", "checked out, back in the box"),
    "tube_where_empty": ("moved", "tube not in storage, in a slot recorded empty"),
    "unexpected_tube": ("moved", "tube not in storage, where another tube is recorded"),
    "unknown_tube": ("unknown", "unknown tube"),
    "unreadable": ("unknown", "the scanner could not read it"),
    "empty_where_expected": ("missing", "missing: the recorded tube was not seen"),
    "reserved": ("reserved", "empty, kept for a checked-out tube"),
}
LEGEND = [
    ("match", "match"),
    ("moved", "moved or placed by applying"),
    ("unknown", "unknown or unreadable"),
    ("missing", "missing"),
    ("reserved", "reserved (checked out)"),
    ("empty", "empty, as recorded"),
]


def _text(request) -> str:
    """The uploaded file as text, or the text of the file verified before (to apply it)."""
    upload = request.FILES.get("file")
    if upload is None:
        text = request.POST.get("text", "")
        if not text.strip():
            raise rackscan.RackScanError("Choose the rack reader's CSV file first.")
        return text[:MAX_FILE_BYTES]
    if upload.size > MAX_FILE_BYTES:
        raise rackscan.RackScanError(
            f"The file has {upload.size:,} bytes; a rack scan has at most "
            f"{MAX_FILE_BYTES:,}. Is it the rack reader's CSV?"
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise rackscan.RackScanError(
            f"{upload.name} is not a text file: export the scan from the rack reader as CSV."
        ) from None
    if "\x00" in text:
        raise rackscan.RackScanError(f"{upload.name} is not a text file.")
    return text


def _diff_rows(box, result: dict) -> tuple[list[str], list[dict]]:
    """The verification drawn on the box's grid: each slot with its status and tubes."""
    entries = {entry["position"]: entry for entry in result["entries"]}
    grid = box.grid
    layout = {"grid": []}
    for row in range(1, grid.rows + 1):
        cells = []
        for column in range(1, grid.columns + 1):
            position = grid.name(row, column)
            entry = entries.get(position, {"position": position, "status": ""})
            kind, meaning = SHOWN.get(entry["status"], ("empty", "empty, as recorded"))
            cells.append({**entry, "kind": kind, "meaning": meaning})
        layout["grid"].append(cells)
    return grid_rows(box, layout)


def _listed(result: dict) -> list[dict]:
    """The differences as a table, matches left out (the grid shows them)."""
    return [
        {**entry, "meaning": SHOWN[entry["status"]][1], "kind": SHOWN[entry["status"]][0]}
        for entry in result["entries"]
        if entry["status"] != "match"
    ]


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def rack_scan(request, code: str):
    """Upload the rack reader's file to verify it; apply a verified file with a reason."""
    box = found(lookups.box_for, request, code)
    context, status = {"box": box}, 200
    if request.method == "POST":
        context["reason"] = request.POST.get("reason", "")[:500]
        status = _post(request, box, context)
    return render(request, "freezers/rack_scan.html", context, status=status)


def _post(request, box, context: dict) -> int:
    """Verify the file, or apply it; a refused apply shows the file's verification again, so
    the reason (or the tubes) can be put right. Answers the status code."""
    applying, text, status = "apply" in request.POST, "", 200
    try:
        text = _text(request)
        if applying:
            result = rackscan.apply(
                actor=request.user, box=box, text=text, reason=context["reason"]
            )
            answer(request, f"Rack scan of {box.code} applied: {_placed(result)} tube(s) placed.")
            _show(context, box, result)
            return status
    except DomainError as error:
        answer(request, error.detail, ok=False)
        if not (applying and text):
            return 400
        status = 400
    try:
        result = rackscan.verify(user=request.user, box=box, text=text)
    except DomainError as error:
        answer(request, error.detail, ok=False)
        return 400
    sentence, clean = _verified(box, result)
    if status == 200:
        answer(request, sentence, warn=not clean)
    context["text"] = text if clean else ""
    _show(context, box, result)
    return status


def _show(context: dict, box, result: dict) -> None:
    context["columns"], context["rows"] = _diff_rows(box, result)
    context.update(result=result, listed=_listed(result), legend=LEGEND)


def _placed(result: dict) -> int:
    return sum(n for status, n in result["summary"].items() if status in rackscan.CHANGES)


def _verified(box, result: dict) -> tuple[str, bool]:
    """The verification in a sentence, and whether the file can be applied as it is."""
    summary = result["summary"]
    problems = summary.get("unknown_tube", 0) + summary.get("unreadable", 0)
    counts = (summary.get("match", 0), _placed(result), summary.get("empty_where_expected", 0))
    sentence = f"Scan of {box.code} verified: %d match, %d to place, %d missing" % counts
    if problems:
        return f"{sentence}, {problems} unknown or unreadable: fix those and scan again.", False
    return f"{sentence}. Nothing changed yet: give a reason and apply.", True

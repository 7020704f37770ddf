"""Rack-scanner files: read them, compare them with the box, and apply what they show.

2D rack scanners write a CSV of position and tube barcode, one line per well. Two layouts are
read, told apart by the header: ``position_barcode`` (position, tube barcode; e.g. Ziath
DataPaq, Thermo VisionMate) and ``rack_position_barcode`` (rack barcode, position, tube barcode;
e.g. FluidX IntelliCode). Header names vary by vendor and version, so each column is found by
its accepted names. ``NO READ`` means a tube the scanner could not read, never an empty well.

Each scanned position gets a status: ``match``; ``moved`` (the database has the tube in another
slot); ``returned`` (a checked-out tube is back); ``tube_where_empty`` (a tube not in storage,
in a slot the database has empty); ``unexpected_tube`` (the same, where the database expects
another tube); ``unknown_tube``; ``empty_where_expected``; ``reserved`` (empty, kept for a
checked-out tube); ``unreadable``.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from barcode_printing.ids import parse_id
from freezers.models import Box, Placement
from freezers.positions import MalformedPosition, PositionOutOfRange
from freezers.services import (
    GONE,
    STORAGE_ROLES,
    check_box_takes,
    put_back,
    shift,
    slot_details,
    vacate,
)
from lims.audit import stamp
from lims.csv_text import csv_rows
from lims.errors import Conflict, DomainError, InvalidInput
from lims.free_text import require_reason
from lims.models import User
from lims.scoping import require_role
from specimens.choices import CustodyKind, SpecimenStatus
from specimens.lifecycle import find_rule, transition_many
from specimens.models import Specimen

EMPTY = frozenset({"", "NO TUBE", "NOTUBE", "EMPTY", "NO_TUBE"})
UNREADABLE = frozenset({"NO READ", "NOREAD", "NO_READ", "ERROR"})
HEADER_NAMES = {
    "rack": {"rack", "rack id", "rack barcode", "rack code", "rackid"},
    "position": {"position", "tube position", "location", "well", "pos"},
    "barcode": {"barcode", "tube barcode", "tube id", "tube code", "tube", "tubeid"},
}
# Parked rows sit beyond any grid's columns while the rows they make room for are saved.
PARKING_OFFSET = 1000


class RackScanError(InvalidInput):
    code = "rack_scan_invalid"
    title = "Rack-scanner file cannot be read"


class BadHeader(RackScanError):
    code = "rack_scan_bad_header"
    title = "Rack-scanner file has an unknown header"


class GridMismatch(RackScanError):
    code = "rack_scan_grid_mismatch"
    title = "Rack-scanner file does not match the box's grid"


class DuplicatePosition(RackScanError):
    code = "rack_scan_duplicate_position"
    title = "A position appears twice in the file"


class DuplicateBarcode(RackScanError):
    code = "rack_scan_duplicate_barcode"
    title = "A tube barcode appears twice in the file"


class WrongRack(RackScanError):
    code = "rack_scan_wrong_box"
    title = "The file is the scan of another rack"


class NotARack(RackScanError):
    code = "rack_scan_not_a_rack"
    title = "A bag has no grid to scan"


class UnknownTubes(Conflict):
    code = "rack_scan_unknown_tubes"
    title = "The scan shows tubes the LIMS does not know"


class UnreadableTubes(Conflict):
    code = "rack_scan_unreadable"
    title = "The scanner could not read some tubes"


class WouldDisplace(Conflict):
    code = "rack_scan_displaces"
    title = "Applying the scan would push tubes out of their slots"


@dataclass(frozen=True)
class Scan:
    """What the file says: each slot's cell as written, and which layout it was."""

    layout: str
    cells: dict[tuple[int, int], str]


def read_scan(text: str, box: Box) -> Scan:
    """Parse and check a whole file against ``box`` before anything is compared."""
    if box.box_type.is_bag:
        raise NotARack(f"{box.code} is a bag; only racks and boxes with a grid can be scanned.")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadHeader("The file is empty.")
    delimiter = max((";", "\t", ","), key=lines[0].count)
    rows = csv_rows("\n".join(lines), delimiter=delimiter)
    columns = _columns(rows[0])
    layout = "rack_position_barcode" if "rack" in columns else "position_barcode"
    cells, racks = {}, set()
    for number, row in enumerate(rows[1:], start=2):
        cell = dict.fromkeys(columns, "")
        cell.update({role: row[i].strip() for role, i in columns.items() if i < len(row)})
        slot = _slot(box, cell["position"], number)
        if slot in cells:
            raise DuplicatePosition(f"Position {cell['position']} appears twice (line {number}).")
        cells[slot] = cell["barcode"].upper()
        if cell.get("rack"):
            racks.add(cell["rack"].upper())
    _check_grid(box, cells)
    _check_rack(box, racks)
    _check_duplicates(cells)
    return Scan(layout, cells)


def _columns(header: list[str]) -> dict[str, int]:
    names = [" ".join(name.replace("_", " ").split()).casefold() for name in header]
    columns = {}
    for role, accepted in HEADER_NAMES.items():
        for index, name in enumerate(names):
            if name in accepted:
                columns[role] = index
    if "position" not in columns or "barcode" not in columns:
        raise BadHeader(
            f"The header {','.join(header)!r} names no position and tube barcode columns: "
            "expected e.g. 'Position,Barcode' or 'Rack ID,Tube Position,Tube Barcode'.",
            errors={"header": ["Unknown layout."]},
        )
    return columns


def _slot(box: Box, text: str, number: int) -> tuple[int, int]:
    try:
        return box.grid.parse(text)
    except PositionOutOfRange:
        raise _mismatch(box, f"position {text} (line {number}) lies outside it") from None
    except MalformedPosition:
        raise RackScanError(f"Line {number}: {text!r} is not a position.") from None


def _mismatch(box: Box, what: str) -> GridMismatch:
    grid = box.grid
    return GridMismatch(
        f"{box.code} is a {grid.describe()} box ({grid.capacity} positions, A1 to "
        f"{grid.last()}) but the file's {what}: was the scanner set to another rack size?"
    )


def _check_grid(box: Box, cells: dict) -> None:
    if len(cells) != box.grid.capacity:
        raise _mismatch(box, f"has {len(cells)} positions")


def _check_rack(box: Box, racks: set[str]) -> None:
    if len(racks) > 1 or (racks and racks != {box.code}):
        raise WrongRack(
            f"The file is the scan of rack {', '.join(sorted(racks))}, not of {box.code}."
        )


def _check_duplicates(cells: dict) -> None:
    tubes = [v for v in cells.values() if v not in EMPTY and v not in UNREADABLE]
    twice = sorted(barcode for barcode, n in Counter(tubes).items() if n > 1)
    if twice:
        raise DuplicateBarcode(
            f"{', '.join(twice[:10])} appear(s) at more than one position; re-scan the rack.",
            errors={"barcodes": twice[:10]},
        )


# --- the comparison ---------------------------------------------------------------------------


@dataclass
class Entry:
    position: str
    status: str
    scanned: str | None = None
    expected: str | None = None
    slot: tuple[int, int] | None = None
    specimen: Specimen | None = None
    came_from: str | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        fields = {
            "position": self.position,
            "status": self.status,
            "scanned": self.scanned,
            "expected": self.expected,
            "from": self.came_from,
            "problem": self.problem,
        }
        return {key: value for key, value in fields.items() if value is not None}


def compare(user: User, box: Box, scan: Scan) -> list[Entry]:
    """Each slot of the file against the database (three queries for the whole box)."""
    expected = {
        (p.row, p.column): p for p in Placement.objects.filter(box=box).select_related("specimen")
    }
    barcodes, problems = _valid_barcodes(scan)
    known = {
        s.barcode: s
        for s in Specimen.objects.for_user(user)
        .filter(barcode__in=barcodes)
        .select_related("placement__box__box_type", "placement__box__rack__freezer__site")
    }
    entries = []
    for slot in sorted(scan.cells):
        cell = scan.cells[slot]
        here = expected.get(slot)
        entry = Entry(
            position=box.grid.name(*slot),
            status="",
            scanned=cell or None,
            expected=here.specimen.barcode if here else None,
            slot=slot,
        )
        _judge(entry, cell, here, known, problems, box)
        if entry.status:
            entries.append(entry)
    return entries


def _valid_barcodes(scan: Scan) -> tuple[list[str], dict[str, str]]:
    barcodes, problems = [], {}
    for cell in scan.cells.values():
        if cell in EMPTY or cell in UNREADABLE:
            continue
        try:
            barcodes.append(parse_id(cell))
        except DomainError as error:
            problems[cell] = error.detail
    return barcodes, problems


def _judge(entry: Entry, cell: str, here, known: dict, problems: dict, box: Box) -> None:
    if cell in UNREADABLE:
        entry.status, entry.scanned = "unreadable", "NO READ"
    elif cell in EMPTY:
        entry.scanned = None
        if here is not None:
            entry.status = "reserved" if here.checked_out_at else "empty_where_expected"
    elif cell in problems or cell not in known:
        entry.status = "unknown_tube"
        entry.problem = problems.get(cell, "No such specimen among those you can see.")
    else:
        specimen = entry.specimen = known[cell]
        placement = getattr(specimen, "placement", None)
        slot = placement.box_id is not None if placement else False
        if specimen.status == SpecimenStatus.CHECKED_OUT and slot:
            entry.status, entry.came_from = "returned", placement.path
        elif slot and (placement.box_id, placement.row, placement.column) == (box.pk, *entry.slot):
            entry.status = "match"
        elif slot:
            entry.status, entry.came_from = "moved", placement.path
        else:
            entry.status = "unexpected_tube" if here is not None else "tube_where_empty"


def report(box: Box, scan: Scan, entries: list[Entry], mode: str) -> dict:
    return {
        "box": box.code,
        "layout": scan.layout,
        "mode": mode,
        "positions": len(scan.cells),
        "summary": dict(Counter(entry.status for entry in entries)),
        "entries": [entry.as_dict() for entry in entries],
    }


def verify(*, user: User, box: Box, text: str) -> dict:
    scan = read_scan(text, box)
    return report(box, scan, compare(user, box, scan), "verify")


# --- applying ---------------------------------------------------------------------------------

CHANGES = {
    "moved": CustodyKind.MOVED,
    "returned": CustodyKind.RETURNED,
    "tube_where_empty": CustodyKind.STORED,
    "unexpected_tube": CustodyKind.STORED,
}


def apply(*, actor: User, box: Box, text: str, reason: str) -> dict:
    """Place, move and return tubes so the box holds what the scan shows, in one transaction;
    refused whole if a tube is unknown or unreadable, or a tube not in the scan would lose its
    slot. Tubes the database has in the box but the scan does not show stay recorded there.
    ``reason`` is required, and written into the history and each custody event."""
    reason = require_reason(reason, action="apply the rack scan")
    scan = read_scan(text, box)
    require_role(actor, box.rack.freezer.site, *STORAGE_ROLES, action="apply rack scans")
    with transaction.atomic():
        entries = compare(actor, box, scan)
        _refuse_unresolved(entries)
        changing = [entry for entry in entries if entry.status in CHANGES]
        locked = {s.pk: s for s in Specimen.objects.filter(pk__in=_pks(changing)).lock()}
        for entry in changing:
            entry.specimen = locked[entry.specimen.pk]
            find_rule(entry.specimen, CHANGES[entry.status])
            check_box_takes(entry.specimen, box)
        # Read before _clear_targets parks the rows: a return records the slot it had.
        existing = Placement.objects.with_box().filter(specimen_id__in=_pks(changing))
        placements = {placement.specimen_id: placement for placement in existing}
        _clear_targets(actor, box, changing)
        _record(actor, box, changing, placements, reason)
    return report(box, scan, entries, "apply")


def _pks(entries: list[Entry]) -> list[int]:
    return [entry.specimen.pk for entry in entries]


def _refuse_unresolved(entries: list[Entry]) -> None:
    unknown = [f"{e.position} {e.scanned}" for e in entries if e.status == "unknown_tube"]
    if unknown:
        raise UnknownTubes(
            f"Unknown tube(s) at {', '.join(unknown[:10])}: nothing was applied. Check the "
            "tubes, or verify the file to see every difference.",
            errors={"unknown": unknown},
        )
    unreadable = [e.position for e in entries if e.status == "unreadable"]
    if unreadable:
        raise UnreadableTubes(
            f"The scanner could not read the tube(s) at {', '.join(unreadable[:10])}: re-scan "
            "before applying; nothing was applied.",
            errors={"unreadable": unreadable},
        )


def _clear_targets(actor: User, box: Box, changing: list[Entry]) -> None:
    """Make every target slot free: vacate tubes that left storage for good, park the rows of
    tubes that move, and refuse if a tube the scan does not move would lose its slot."""
    moving = {entry.specimen.pk for entry in changing}
    targets = [entry.slot for entry in changing]
    occupants = Placement.objects.select_related("specimen").filter(box=box)
    displaced = []
    for occupant in occupants:
        if (occupant.row, occupant.column) not in targets or occupant.specimen_id in moving:
            continue
        if occupant.specimen.status in GONE:
            vacate(occupant, actor=actor)
        else:
            displaced.append(
                f"{occupant.specimen.barcode} at {box.grid.name(occupant.row, occupant.column)}"
            )
    if displaced:
        raise WouldDisplace(
            f"The scan puts other tubes where {', '.join(displaced[:10])} is recorded; find "
            "those tubes or move them first. Nothing was applied.",
            errors={"displaced": displaced},
        )
    _park(Placement.objects.filter(specimen_id__in=moving, box__isnull=False))


def _park(placements) -> None:
    # Rows that swap slots would collide row by row under the slot constraint; inside this
    # transaction they first step aside to columns no grid has, and are then saved, with
    # history, in their new slots. The parked state never commits.
    quote = connection.ops.quote_name
    table, column = quote(Placement._meta.db_table), quote("column")
    pks = list(placements.values_list("pk", flat=True))
    if pks:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(pks))
            cursor.execute(
                f"UPDATE {table} SET {column} = {column} + %s WHERE {quote('id')} IN ({marks})",
                [PARKING_OFFSET, *pks],
            )


def _record(
    actor: User, box: Box, changing: list[Entry], placements: dict[int, Placement], reason: str
) -> None:
    now = timezone.now()
    by_kind, details = defaultdict(list), {}
    for entry in changing:
        placement = placements.get(entry.specimen.pk) or Placement(
            specimen=entry.specimen, placed_at=now
        )
        if entry.status == "returned":
            returned = put_back(placement, box, *entry.slot)
            details[entry.specimen.pk] = {**returned, "source": "rack scan"}
        else:
            shift([(placement.box_id, box.pk)])
            placement.box, (placement.row, placement.column) = box, entry.slot
            placement.placed_at = now
            details[entry.specimen.pk] = _details(box, entry)
        details[entry.specimen.pk]["reason"] = reason
        why = f"rack scan of {box.code}: {entry.status} ({reason})"
        stamp(placement, actor=actor, reason=why).save()
        by_kind[CHANGES[entry.status]].append(entry)
    for kind, entries in by_kind.items():
        transition_many(
            [entry.specimen for entry in entries],
            kind,
            actor=actor,
            site=box.rack.freezer.site,
            reason=reason,
            ref=box.code,
            details=lambda specimen: details[specimen.pk],
        )


def _details(box: Box, entry: Entry) -> dict:
    slot = {**slot_details(box, *entry.slot), "source": "rack scan"}
    if entry.came_from:
        return {"from": entry.came_from, "to": slot}
    return slot

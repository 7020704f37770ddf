"""Reads of freezer storage: box maps, occupancy, excursions and the tubes they touched.

Each read is a fixed number of queries whatever the number of boxes or tubes, and reads plain
rows (``values_list``) where it would otherwise build thousands of model instances.
"""

from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q

from freezers.models import Box, Freezer, Placement
from specimens.models import Specimen


def box_map(box: Box) -> dict:
    """The box as a grid of rows of cells: position, and the tube there (ID, type, status)."""
    grid = box.grid
    rows_held = (
        Placement.objects.filter(box=box)
        .values_list(
            "row",
            "column",
            "specimen__barcode",
            "specimen__type__code",
            "specimen__status",
            "checked_out_at",
            "freeze_thaw_count",
        )
        .order_by()
    )
    held = {(row, column): rest for row, column, *rest in rows_held}
    rows = []
    for row in range(1, grid.rows + 1):
        cells = []
        for column in range(1, grid.columns + 1):
            cell = {"position": grid.name(row, column), "id": None}
            if (row, column) in held:
                barcode, type_code, status, checked_out_at, thaws = held[(row, column)]
                cell.update(
                    id=barcode,
                    type=type_code,
                    status=status,
                    reserved=checked_out_at is not None,
                    freeze_thaw_count=thaws,
                )
            cells.append(cell)
        rows.append(cells)
    return {
        "box": box.code,
        "type": box.box_type.code,
        "rows": grid.rows,
        "columns": grid.columns,
        "naming": grid.naming,
        "fill_order": grid.fill_order,
        "path": box.path,
        "capacity": grid.capacity,
        "used": len(held),
        "free": grid.capacity - len(held),
        "grid": rows,
    }


def occupancy(freezer: Freezer) -> dict:
    """Capacity, used (reserved slots of checked-out tubes included) and free slots of the
    freezer, each rack and each box: three queries whatever the number of boxes or tubes."""
    reserved = dict(
        Placement.objects.filter(checked_out_at__isnull=False, box__rack__freezer=freezer)
        .values("box_id")
        .annotate(n=Count("pk"))
        .values_list("box_id", "n")
        .order_by()
    )
    racks = {
        pk: _tally(name=name, position=position, boxes=[])
        for pk, name, position in freezer.racks.order_by("position").values_list(
            "pk", "name", "position"
        )
    }
    rows = (
        Box.objects.filter(rack__freezer=freezer)
        .annotate(capacity=F("box_type__rows") * F("box_type__columns"))
        .order_by("rack__position", "position")
        .values_list("pk", "code", "rack_id", "position", "box_type__code", "capacity", "used")
    )
    total = _tally()
    for pk, code, rack_id, position, type_code, capacity, used in rows:
        box = _tally(box=code, type=type_code, position=position)
        for tally in (box, racks[rack_id], total):
            _add(tally, capacity, used, reserved.get(pk, 0))
        racks[rack_id]["boxes"].append(box)
    return {"freezer": freezer.code, **total, "racks": list(racks.values())}


def _tally(**fields) -> dict:
    return {**fields, "capacity": 0, "used": 0, "reserved": 0, "free": 0}


def _add(tally: dict, capacity: int, used: int, reserved: int) -> None:
    tally["capacity"] += capacity
    tally["used"] += used
    tally["reserved"] += reserved
    tally["free"] += capacity - used


def excursions(freezer: Freezer, *, since: datetime, until: datetime) -> list[dict]:
    """Runs of readings outside the freezer's band, oldest first: when each began, when a
    reading was next back in band (None while it lasts), and its extremes."""
    found, current = [], None
    readings = freezer.readings.filter(at__gte=since, at__lt=until).order_by("at")
    for reading in readings.only("freezer", "at", "temperature_c", "low_c", "high_c"):
        if reading.in_band:
            if current is not None:
                current["ended_at"] = reading.at
                found.append(current)
                current = None
            continue
        if current is None:
            current = {
                "started_at": reading.at,
                "ended_at": None,
                "band_c": [reading.low_c, reading.high_c],
                "min_c": reading.temperature_c,
                "max_c": reading.temperature_c,
                "readings": 0,
            }
        current["readings"] += 1
        current["min_c"] = min(current["min_c"], reading.temperature_c)
        current["max_c"] = max(current["max_c"], reading.temperature_c)
        current["last_out_at"] = reading.at
    if current is not None:
        found.append(current)
    # Decimals as strings, as every other temperature the API answers.
    for excursion in found:
        excursion["band_c"] = [str(limit) for limit in excursion["band_c"]]
        excursion["min_c"], excursion["max_c"] = str(excursion["min_c"]), str(excursion["max_c"])
    return found


def specimens_in_freezer_during(freezer: Freezer, *, since: datetime, until: datetime):
    """Specimens that were in the freezer (not checked out) at any moment of [since, until),
    from placement history: those there at ``since``, and those put there before ``until``."""
    history = Placement.history.model.objects
    in_freezer = Q(box__rack__freezer=freezer, checked_out_at__isnull=True)
    later = history.filter(specimen_id=OuterRef("specimen_id"), history_date__lte=since).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    there_at_start = history.filter(in_freezer, history_date__lte=since).exclude(Exists(later))
    arrived = history.filter(in_freezer, history_date__gt=since, history_date__lt=until)
    return Specimen.objects.filter(
        Q(pk__in=there_at_start.values("specimen_id")) | Q(pk__in=arrived.values("specimen_id"))
    )

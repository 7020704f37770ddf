"""Every write of freezer storage: hierarchy, placement, moves, check-out and return, readings.

Functions take the acting user and plain values, run in one transaction, and raise a domain
error with a stable code when they cannot do what was asked. Each change of a tube's place goes
through ``specimens.lifecycle.transition`` (status and custody) and saves its placement with
history, in the same transaction.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Max, Value, When
from django.utils import timezone

from freezers.choices import FreezerStatus
from freezers.errors import (
    AlreadyInSlot,
    AlreadyPlaced,
    CodeTaken,
    FreezerUnavailable,
    NotABiobank,
    NotPlaced,
    RackFull,
    ReadingConflict,
    SlotOccupied,
    WrongSite,
    WrongTemperatureClass,
)
from freezers.models import (
    SLOT_CONSTRAINT,
    Box,
    BoxType,
    Freezer,
    Placement,
    Rack,
    TemperatureReading,
)
from lims.audit import said, stamp
from lims.choices import Role, SiteKind
from lims.compiled import Compiled, Given
from lims.errors import InvalidInput
from lims.free_text import require_reason, screen
from lims.integrity import broken_constraint
from lims.models import Site, User
from lims.scoping import require_role
from lims.sql import step_transaction, together
from specimens.choices import CustodyKind, SpecimenStatus, TemperatureClass
from specimens.identifiers import allocate_numbers
from specimens.lifecycle import find_rule, transition
from specimens.models import Specimen
from specimens.services import check_recorded_time

STORAGE_ROLES = (Role.BIOBANK_TECHNICIAN,)
HIERARCHY_ROLES = (Role.SITE_ADMIN, Role.BIOBANK_TECHNICIAN)
# Statuses a tube never leaves: its slot can be given to another tube.
GONE = frozenset({SpecimenStatus.DISPOSED, SpecimenStatus.DEPLETED, SpecimenStatus.DISTRIBUTED})
# Frozen classes, warmest first: a tube may go as cold as its class or colder, never warmer.
FROZEN = (TemperatureClass.FROZEN, TemperatureClass.ULTRA_COLD, TemperatureClass.VAPOUR_NITROGEN)
UNAVAILABLE = frozenset({FreezerStatus.DEFROSTING, FreezerStatus.OUT_OF_SERVICE})


# --- hierarchy --------------------------------------------------------------------------------


def freezer_create(*, actor: User, site: Site, reason: str = "", **fields) -> Freezer:
    """Add a freezer to a biobank; ``fields`` are the model's (code, name, kind, set point…)."""
    require_role(actor, site, Role.SITE_ADMIN, action="add freezers")
    if site.kind != SiteKind.BIOBANK:
        raise NotABiobank(f"{site.code} is not a biobank; freezers are added at the biobank.")
    freezer = Freezer(site=site, **fields)
    _save_new(
        freezer,
        actor=actor,
        reason=reason or "freezer added",
        taken={"code": f"Freezer code {freezer.code} is already in use."},
    )
    return freezer


def freezer_set_status(*, actor: User, freezer: Freezer, status: str, reason: str) -> Freezer:
    require_role(actor, freezer.site, Role.SITE_ADMIN, action="change a freezer's status")
    reason = require_reason(reason, action="change the freezer's status")
    with transaction.atomic():
        freezer = Freezer.objects.select_for_update().get(pk=freezer.pk)
        freezer.status = status
        stamp(freezer, actor=actor, reason=reason).save()
    return freezer


def rack_create(
    *,
    actor: User,
    freezer: Freezer,
    name: str,
    kind: str,
    position: int | None = None,
    box_rows: int | None = None,
    box_columns: int | None = None,
) -> Rack:
    require_role(actor, freezer.site, *HIERARCHY_ROLES, action="add racks")
    if (box_rows is None) != (box_columns is None):
        raise InvalidInput(
            "Give both box_rows and box_columns, or neither.",
            errors={"box_rows": ["Needs box_columns too."]},
        )
    with transaction.atomic():
        Freezer.objects.select_for_update().get(pk=freezer.pk)
        if position is None:
            position = (freezer.racks.aggregate(last=Max("position"))["last"] or 0) + 1
        rack = Rack(
            freezer=freezer,
            name=name,
            kind=kind,
            position=position,
            box_rows=box_rows,
            box_columns=box_columns,
        )
        _save_new(
            rack,
            actor=actor,
            reason=said("rack added"),
            taken={
                "rack_name_unique": f"{freezer.code} already has a rack {name}.",
                "rack_position_unique": f"Position {position} of {freezer.code} holds a rack.",
            },
        )
    return rack


def box_create(*, actor: User, rack: Rack, box_type: BoxType, position: int | None = None) -> Box:
    """A new box with a fresh BOX- code, in the given rack slot or the rack's first free one."""
    require_role(actor, rack.freezer.site, *HIERARCHY_ROLES, action="add boxes")
    with transaction.atomic():
        # The rack's row lock makes two technicians adding boxes take different slots.
        rack = Rack.objects.select_for_update().select_related("freezer").get(pk=rack.pk)
        taken = set(rack.boxes.values_list("position", flat=True))
        position = position or next(n for n in range(1, len(taken) + 2) if n not in taken)
        capacity = rack.box_capacity
        if capacity is not None and position > capacity:
            raise RackFull(
                f"Rack {rack.name} of {rack.freezer.code} holds {capacity} boxes; "
                f"slot {position} does not exist or none is free."
            )
        box = Box(code=f"BOX-{allocate_numbers('box', 1)[0]:07d}", box_type=box_type, rack=rack)
        box.position = position
        _save_new(
            box,
            actor=actor,
            reason=said("box added"),
            taken={"box_rack_slot_unique": f"Slot {position} of {rack.name} holds a box."},
        )
    return box


def _save_new(instance, *, actor: User, reason: str, taken: dict[str, str]) -> None:
    """Save with history; a uniqueness rule named in ``taken`` answers 409 with its sentence,
    and any other refusal by the database propagates, as the bug it is."""
    try:
        with transaction.atomic():
            stamp(instance, actor=actor, reason=reason).save()
    except IntegrityError as error:
        sentence = taken.get(broken_constraint(error, instance))
        if sentence is None:
            raise
        raise CodeTaken(sentence) from None


# --- rules shared by every placement ----------------------------------------------------------


def fits(tube_class: str, freezer_class: str) -> bool:
    """Whether a tube of ``tube_class`` may be kept in a freezer of ``freezer_class``.

    Frozen material may go colder (DNA kept at -20 °C keeps at -80 °C) but never warmer; unfrozen
    classes keep exactly, since freezing a tube meant for 4 °C destroys what it is for.
    """
    if tube_class in FROZEN:
        return freezer_class in FROZEN and FROZEN.index(freezer_class) >= FROZEN.index(tube_class)
    return freezer_class == tube_class


def check_box_takes(specimen: Specimen, box: Box) -> None:
    freezer = box.rack.freezer
    if freezer.site_id != specimen.current_site_id:
        raise WrongSite(
            f"Tube {specimen.barcode} is at {specimen.current_site.code}; box {box.code} is at "
            f"{freezer.site.code}."
        )
    if freezer.status in UNAVAILABLE:
        raise FreezerUnavailable(
            f"Freezer {freezer.code} is {FreezerStatus(freezer.status).label.lower()}; "
            "choose a box in another freezer."
        )
    tube_class = specimen.type.storage_class
    if not fits(tube_class, freezer.temperature_class):
        raise WrongTemperatureClass(
            f"Tube {specimen.barcode} ({specimen.type.code}) is kept "
            f"{TemperatureClass(tube_class).label}; box {box.code} is in {freezer.code}, "
            f"{TemperatureClass(freezer.temperature_class).label}."
        )


def slot_details(box: Box, row: int, column: int) -> dict:
    """What custody records of a slot: the box, the position and the full path."""
    return {
        "box": box.code,
        "position": box.grid.name(row, column),
        "path": box.slot_path(row, column),
    }


def occupied_error(box: Box, row: int, column: int, occupant: Placement) -> SlotOccupied:
    name = box.grid.name(row, column)
    barcode = occupant.specimen.barcode
    reserved = occupant.checked_out_at is not None
    holds = f"is reserved for {barcode}, which is checked out" if reserved else f"holds {barcode}"
    return SlotOccupied(
        f"{box.code} {name} {holds}; choose another position.",
        occupant=barcode,
        reserved=reserved,
    )


def claim_slot(box: Box, row: int, column: int, *, actor: User, mover: Specimen) -> None:
    """Make sure ``mover`` may take the slot: free, its own, or held by a tube that has left
    storage for good (whose placement is then vacated); otherwise 409 naming the occupant."""
    occupant = _in_slot.first(box=box.pk, row=row, column=column)
    if occupant is None or occupant.specimen_id == mover.pk:
        return
    if occupant.specimen.status not in GONE:
        raise occupied_error(box, row, column, occupant)
    vacate(occupant, actor=actor)


@Compiled
def _in_slot(_key):
    """The placement holding a slot, if any, with its tube (compiled once: a scan's path)."""
    slot = {name: Given(name, IntegerField()) for name in ("box", "row", "column")}
    return Placement.objects.select_related("specimen").filter(**slot).order_by("pk")[:1]


def vacate(placement: Placement, *, actor: User) -> None:
    """Free the slot of a tube that has left storage for good; history keeps where it was."""
    status = SpecimenStatus(placement.specimen.status).label.lower()
    reason = f"slot freed: {placement.specimen.barcode} is {status}"
    shift([(placement.box_id, None)])
    placement.box, placement.row, placement.column = None, None, None
    placement.checked_out_at, placement.vacated_at = None, timezone.now()
    stamp(placement, actor=actor, reason=reason).save()


def shift(moves: Iterable[tuple[int | None, int | None]]) -> None:
    """Keep the boxes' counts of taken slots in step with placements moving (from box, to box;
    None for outside storage). One statement; the row locks it takes serialize writers of one
    box, and ``used + n`` is applied to the newest row, so concurrent changes all count."""
    change: Counter = Counter()
    for before, after in moves:
        change[before] -= 1
        change[after] += 1
    change = {box: n for box, n in change.items() if box is not None and n}
    if change:
        # The count is derived data, excluded from history: the placements' own history is
        # the record.
        Box.objects.filter(pk__in=change).update_unrecorded(
            used=F("used")
            + Case(*(When(pk=box, then=Value(n)) for box, n in change.items()), default=Value(0))
        )


def save_in_slot(
    placement: Placement,
    kind: str,
    *,
    actor: User,
    details: dict,
    reason: str,
    moves: Iterable[tuple[int | None, int | None]] = (),
) -> Placement:
    """The tube's custody step ``kind`` into the placement's slot, the boxes' counts moved by
    ``moves`` and the placement with its history, written together (one statement on
    PostgreSQL). When a concurrent writer took the slot first the unique constraint decides,
    and the answer is 409 naming whoever holds it now."""
    box = placement.box
    try:
        with transaction.atomic(), together():
            shift(moves)
            transition(
                placement.specimen,
                kind,
                actor=actor,
                site=_storage_site(box),
                ref=box.code,
                details=details,
            )
            Placement.objects.save_with_history(placement, actor=actor, reason=reason)
    except IntegrityError as error:
        if broken_constraint(error, placement) != SLOT_CONSTRAINT:
            raise
        occupant = (
            Placement.objects.select_related("specimen")
            .filter(box_id=placement.box_id, row=placement.row, column=placement.column)
            .exclude(specimen_id=placement.specimen_id)
            .first()
        )
        if occupant is None:
            raise
        raise occupied_error(placement.box, placement.row, placement.column, occupant) from None
    return placement


def _current_slot(specimen: Specimen) -> Placement:
    placement = _existing(specimen)
    if placement is None or placement.box_id is None:
        raise NotPlaced(f"Tube {specimen.barcode} has no slot in storage.")
    return placement


def _existing(specimen: Specimen) -> Placement | None:
    placement = _placement_of.first(specimen=specimen.pk)
    if placement is not None:
        # The locked instance, whose status the transition is about to change.
        placement.specimen = specimen
    return placement


@Compiled
def _placement_of(_key):
    """A tube's placement with its box's path (compiled once: a scan's path)."""
    return Placement.objects.with_box().filter(specimen=Given("specimen", IntegerField()))


def _storage_site(box: Box) -> Site:
    return box.rack.freezer.site


# --- placing, moving, checking out and in -----------------------------------------------------


def place_specimen(
    *, actor: User, specimen: Specimen, box: Box, position: str, locked: bool = False
) -> Placement:
    """Put a received tube (or an aliquot made at the biobank) into a slot; a checked-out tube
    placed this way is returned there. ``locked``: the caller holds the tube's row lock in its
    transaction (``Specimen.objects.lock()``)."""
    row, column = box.grid.parse(position)
    require_role(actor, _storage_site(box), *STORAGE_ROLES, action="store tubes")
    with step_transaction(locked=locked):
        if not locked:
            (specimen,) = Specimen.objects.lock(specimen)
        if specimen.status == SpecimenStatus.CHECKED_OUT:
            return _return(actor, specimen, box, row, column)
        placement = _existing(specimen)
        if placement is not None and placement.box_id is not None:
            raise AlreadyPlaced(
                f"Tube {specimen.barcode} is already stored at {placement.path}; "
                "move it with storage/move."
            )
        find_rule(specimen, CustodyKind.STORED)
        check_box_takes(specimen, box)
        claim_slot(box, row, column, actor=actor, mover=specimen)
        placement = Placement(
            specimen=specimen, box=box, row=row, column=column, placed_at=timezone.now()
        )
        details = slot_details(box, row, column)
        return save_in_slot(
            placement,
            CustodyKind.STORED,
            actor=actor,
            details=details,
            reason=said(f"stored at {details['path']}"),
            moves=[(None, box.pk)],
        )


def move_specimen(*, actor: User, specimen: Specimen, box: Box, position: str) -> Placement:
    row, column = box.grid.parse(position)
    require_role(actor, _storage_site(box), *STORAGE_ROLES, action="move tubes")
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        find_rule(specimen, CustodyKind.MOVED)
        placement = _current_slot(specimen)
        if (placement.box_id, placement.row, placement.column) == (box.pk, row, column):
            raise AlreadyInSlot(f"Tube {specimen.barcode} is already at {placement.path}.")
        check_box_takes(specimen, box)
        claim_slot(box, row, column, actor=actor, mover=specimen)
        before = slot_details(placement.box, placement.row, placement.column)
        after = slot_details(box, row, column)
        moves = [(placement.box_id, box.pk)]
        placement.box, placement.row, placement.column = box, row, column
        placement.placed_at = timezone.now()
        return save_in_slot(
            placement,
            CustodyKind.MOVED,
            actor=actor,
            details={"from": before, "to": after},
            reason=said(f"moved to {after['path']}"),
            moves=moves,
        )


def retrieve_specimen(*, actor: User, specimen: Specimen, reason: str) -> Placement:
    """Check a tube out: it leaves the freezer and its slot stays reserved for its return."""
    reason = require_reason(reason, action="check this tube out")
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        find_rule(specimen, CustodyKind.RETRIEVED)
        placement = _current_slot(specimen)
        placement.checked_out_at = timezone.now()
        transition(
            specimen,
            CustodyKind.RETRIEVED,
            actor=actor,
            reason=reason,
            site=_storage_site(placement.box),
            ref=placement.box.code,
            details={
                **slot_details(placement.box, placement.row, placement.column),
                "reason": reason,
            },
        )
        stamp(placement, actor=actor, reason=reason).save()
    return placement


def return_specimen(
    *, actor: User, specimen: Specimen, box: Box | None = None, position: str | None = None
) -> Placement:
    """Put a checked-out tube back: into its reserved slot, or the one given. Each return is
    one more freeze-thaw cycle on the tube's record."""
    if (box is None) != (position is None):
        raise InvalidInput(
            "Give both box and position to return the tube elsewhere, or neither to use its "
            "reserved slot.",
            errors={"position" if position is None else "box": ["Required with the other."]},
        )
    if box is not None:
        row, column = box.grid.parse(position)
        require_role(actor, _storage_site(box), *STORAGE_ROLES, action="return tubes")
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        if box is None:
            placement = _existing(specimen)
            if placement is None or placement.box_id is None:
                find_rule(specimen, CustodyKind.RETURNED)
                raise NotPlaced(
                    f"Tube {specimen.barcode} has no reserved slot; give a box and position."
                )
            box, row, column = placement.box, placement.row, placement.column
        return _return(actor, specimen, box, row, column)


def _return(actor: User, specimen: Specimen, box: Box, row: int, column: int) -> Placement:
    find_rule(specimen, CustodyKind.RETURNED)
    placement = _existing(specimen) or Placement(specimen=specimen, placed_at=timezone.now())
    if (placement.box_id, placement.row, placement.column) != (box.pk, row, column):
        check_box_takes(specimen, box)
        claim_slot(box, row, column, actor=actor, mover=specimen)
    details = put_back(placement, box, row, column)
    return save_in_slot(
        placement,
        CustodyKind.RETURNED,
        actor=actor,
        details=details,
        reason=said(f"returned to {details['path']}"),
    )


def put_back(placement: Placement, box: Box, row: int, column: int) -> dict:
    """End a check-out with the tube in (box, row, column), its reserved slot or one the caller
    has cleared: one more freeze-thaw cycle. Answers the custody details of the return, which
    the caller records with the placement's save, whether one tube returns or a rack scan's."""
    details = slot_details(box, row, column)
    if (placement.box_id, placement.row, placement.column) != (box.pk, row, column):
        if placement.box_id is not None:
            details["reserved"] = placement.path
        shift([(placement.box_id, box.pk)])
        placement.box, placement.row, placement.column = box, row, column
        placement.placed_at = timezone.now()
    placement.checked_out_at = None
    placement.freeze_thaw_count += 1
    details["freeze_thaw_count"] = placement.freeze_thaw_count
    return details


# --- temperatures -----------------------------------------------------------------------------


def record_readings(
    *, actor: User, freezer: Freezer, readings: list[tuple[datetime, Decimal]], source: str = ""
) -> dict:
    """Record a freezer's temperatures; a reading already on record is counted, not doubled,
    and one that disagrees with the record is refused."""
    require_role(
        actor, freezer.site, *HIERARCHY_ROLES, action=f"record temperatures of {freezer.code}"
    )
    source = screen(source, field="source")
    given: dict[datetime, Decimal] = {}
    for at, temperature in readings:
        check_recorded_time(at, field="at")
        if given.setdefault(at, temperature) != temperature:
            raise InvalidInput(
                f"Two different temperatures for {at:%Y-%m-%d %H:%M:%S} UTC in one request.",
                errors={"readings": ["Two temperatures for one moment."]},
            )
    low, high = freezer.band
    with transaction.atomic():
        on_record = dict(freezer.readings.filter(at__in=given).values_list("at", "temperature_c"))
        clashes = [at for at, value in on_record.items() if given[at] != value]
        if clashes:
            raise ReadingConflict(
                f"{freezer.code} already has a different temperature for "
                f"{min(clashes):%Y-%m-%d %H:%M:%S} UTC; readings are never overwritten.",
                errors={"readings": [f"{len(clashes)} reading(s) disagree with the record."]},
            )
        new = [
            TemperatureReading(
                freezer=freezer,
                at=at,
                temperature_c=value,
                low_c=low,
                high_c=high,
                source=source,
                recorded_by=actor,
            )
            for at, value in sorted(given.items())
            if at not in on_record
        ]
        TemperatureReading.objects.bulk_create(new)
    return {
        "recorded": len(new),
        "already_on_record": len(on_record),
        "outside_band": sum(1 for reading in new if not reading.in_band),
    }

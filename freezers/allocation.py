"""Auto-allocation: where a batch of tubes goes, and placing the batch there in one transaction.

``fill_first`` fills the least-empty matching box first, slot by slot in the box's fill order,
so partly used boxes are finished before new ones are started. ``split_participant`` spreads a
participant's tubes of one type over at least two freezers (counting those already stored), so
that one freezer failing never loses all of them, and fills each freezer the same way.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from freezers.choices import FreezerStatus, Strategy
from freezers.errors import FreezerUnavailable, WrongTemperatureClass
from freezers.models import SLOT_CONSTRAINT, Box, Freezer, Placement
from freezers.services import (
    STORAGE_ROLES,
    UNAVAILABLE,
    fits,
    shift,
    slot_details,
)
from lims.audit import said
from lims.errors import Conflict, InvalidInput
from lims.integrity import broken_constraint
from lims.models import Site, User
from lims.scoping import require_role
from specimens.choices import CustodyKind, TemperatureClass
from specimens.lifecycle import find_rule, transition_many
from specimens.models import Specimen

# Two concurrent allocations can plan the same free slot; the loser plans again.
ATTEMPTS = 3


class InsufficientSpace(Conflict):
    code = "insufficient_space"
    title = "Not enough free slots"


class CannotSplit(Conflict):
    code = "cannot_split_participant"
    title = "A participant's tubes cannot be spread over two freezers"


class MixedTemperatureClasses(InvalidInput):
    code = "mixed_temperature_classes"
    title = "Tubes of one batch need different temperatures"


class MixedSites(InvalidInput):
    code = "mixed_sites"
    title = "Tubes of one batch are at different sites"


class AllocationRaced(Conflict):
    code = "allocation_raced"
    title = "Other placements kept taking the planned slots"


@dataclass(frozen=True)
class Room:
    """Free room in one box."""

    box_id: int
    freezer_id: int
    free: int


@dataclass(frozen=True)
class Where:
    """Which boxes a batch may go to."""

    site: Site
    temperature_class: str | None = None
    freezer: Freezer | None = None

    def boxes(self):
        boxes = Box.objects.filter(rack__freezer__site=self.site)
        if self.freezer is not None:
            return boxes.filter(rack__freezer=self.freezer)
        # Backup freezers hold tubes only when someone puts them there on purpose.
        return boxes.filter(
            rack__freezer__temperature_class=self.temperature_class,
            rack__freezer__status=FreezerStatus.ACTIVE,
        )


def rooms(where: Where) -> list[Room]:
    """Boxes with a free slot, least-empty first, then in a stable walking order: one query on
    the boxes' counts of taken slots, whatever the number of tubes."""
    rows = (
        where.boxes()
        .annotate(free=F("box_type__rows") * F("box_type__columns") - F("used"))
        .filter(free__gt=0)
        .order_by("free", "rack__freezer__code", "rack__position", "position")
        .values_list("pk", "rack__freezer_id", "free")
    )
    return [Room(pk, freezer, free) for pk, freezer, free in rows]


def _fill(rooms_in_order: list[Room], count: int) -> list[int]:
    """The boxes, in order, that ``count`` tubes fill."""
    chosen, room = [], 0
    for candidate in rooms_in_order:
        if room >= count:
            break
        chosen.append(candidate.box_id)
        room += candidate.free
    if room < count:
        raise InsufficientSpace(
            f"{count} tubes need {count - room} more free slots than the matching boxes have.",
            missing=count - room,
        )
    return chosen


def _free_slots(box_ids: list[int]) -> Iterable[tuple[Box, int, int]]:
    """Free slots of the given boxes, box after box in the given order, each in fill order."""
    boxes = Box.objects.with_path().in_bulk(box_ids)
    taken = set(Placement.objects.filter(box_id__in=box_ids).values_list("box_id", "row", "column"))
    for box_id in box_ids:
        box = boxes[box_id]
        for row, column in box.grid.slots():
            if (box_id, row, column) not in taken:
                yield box, row, column


def plan_fill_first(where: Where, count: int) -> list[tuple[Box, int, int]]:
    slots = _free_slots(_fill(rooms(where), count))
    return [next(slots) for _ in range(count)]


def plan_split(where: Where, specimens: list[Specimen]) -> list[tuple[Box, int, int]]:
    """Slots for ``specimens`` (in their order), each participant's tubes of one type spread
    over the freezers, fewest already held first."""
    by_freezer: dict[int, list[Room]] = defaultdict(list)
    for room in rooms(where):
        by_freezer[room.freezer_id].append(room)
    left = {freezer: sum(room.free for room in held) for freezer, held in by_freezer.items()}
    if sum(left.values()) < len(specimens):
        missing = len(specimens) - sum(left.values())
        raise InsufficientSpace(
            f"{len(specimens)} tubes need {missing} more free slots than the matching boxes have.",
            missing=missing,
        )
    held = _held_per_freezer(specimens)
    freezer_of = {}
    for specimen in specimens:
        group = held[(specimen.participant_id, specimen.type_id)]
        # Fewest of this group first; the freezer with more room breaks a tie.
        freezer = min((f for f in left if left[f]), key=lambda f: (group[f], -left[f], f))
        group[freezer] += 1
        left[freezer] -= 1
        freezer_of[specimen.pk] = freezer
    _check_spread(held, specimens)
    slots = {
        freezer: _free_slots(_fill(by_freezer[freezer], count))
        for freezer, count in Counter(freezer_of.values()).items()
    }
    return [next(slots[freezer_of[specimen.pk]]) for specimen in specimens]


def _held_per_freezer(specimens: list[Specimen]) -> dict[tuple, dict[int, int]]:
    """For each (participant, type) of the batch, how many tubes each freezer already holds."""
    held: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Placement.objects.filter(
            box__isnull=False,
            specimen__participant_id__in={s.participant_id for s in specimens},
            specimen__type_id__in={s.type_id for s in specimens},
        )
        .values_list("specimen__participant_id", "specimen__type_id", "box__rack__freezer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for participant, type_, freezer, n in rows:
        held[(participant, type_)][freezer] += n
    return held


def _check_spread(held: dict[tuple, dict[int, int]], specimens: list[Specimen]) -> None:
    for specimen in specimens:
        group = held[(specimen.participant_id, specimen.type_id)]
        if sum(group.values()) >= 2 and sum(1 for n in group.values() if n) < 2:
            raise CannotSplit(
                f"Participant {specimen.participant.biobank_id}'s {specimen.type.code} tubes "
                "would all be in one freezer: no second matching freezer has room. Add space in "
                "another freezer or use fill_first.",
            )


# --- the service ------------------------------------------------------------------------------


def freezer_where(freezer: Freezer) -> Where:
    """Boxes of one named freezer, which must be taking tubes."""
    if freezer.status in UNAVAILABLE:
        raise FreezerUnavailable(
            f"Freezer {freezer.code} is {FreezerStatus(freezer.status).label.lower()}."
        )
    return Where(freezer.site, freezer=freezer)


def batch_where(
    specimens: list[Specimen], *, freezer: Freezer | None, temperature_class: str | None
) -> Where:
    """Where the batch may go: the named freezer, the named class, or the tubes' own class."""
    sites = {specimen.current_site for specimen in specimens}
    if len(sites) != 1:
        raise MixedSites(f"These tubes are at {', '.join(sorted(s.code for s in sites))}.")
    site = sites.pop()
    if freezer is not None:
        _check_fit(specimens, freezer.temperature_class, f"freezer {freezer.code}")
        if freezer.site_id != site.pk:
            raise MixedSites(f"These tubes are at {site.code}; {freezer.code} is not.")
        return freezer_where(freezer)
    if temperature_class is None:
        classes = {specimen.type.storage_class for specimen in specimens}
        if len(classes) > 1:
            raise MixedTemperatureClasses(
                "These tubes are kept at different temperatures "
                f"({', '.join(sorted(classes))}); allocate each class on its own."
            )
        temperature_class = classes.pop()
    _check_fit(specimens, temperature_class, TemperatureClass(temperature_class).label)
    return Where(site, temperature_class=temperature_class)


def _check_fit(specimens: list[Specimen], temperature_class: str, where: str) -> None:
    misfits = [s.barcode for s in specimens if not fits(s.type.storage_class, temperature_class)]
    if misfits:
        raise WrongTemperatureClass(
            f"{', '.join(misfits[:10])} cannot be kept in {where}: wrong temperature class."
        )


def plan(where: Where, specimens: list[Specimen], strategy: str):
    if strategy == Strategy.SPLIT_PARTICIPANT:
        return plan_split(where, specimens)
    return plan_fill_first(where, len(specimens))


def allocate_specimens(
    *,
    actor: User,
    specimens: list[Specimen],
    strategy: str,
    freezer: Freezer | None = None,
    temperature_class: str | None = None,
) -> list[Placement]:
    """Store a batch of received tubes where the strategy says, all or none; the placements
    come back in the order of ``specimens``, which for fill_first is the boxes' fill order."""
    with transaction.atomic():
        wanted = Specimen.objects.filter(pk__in=[specimen.pk for specimen in specimens])
        locked = {specimen.pk: specimen for specimen in wanted.lock()}
        batch = [locked[specimen.pk] for specimen in specimens]
        for specimen in batch:
            find_rule(specimen, CustodyKind.STORED)
        where = batch_where(batch, freezer=freezer, temperature_class=temperature_class)
        require_role(actor, where.site, *STORAGE_ROLES, action="store tubes")
        placements = _insert(actor, where, batch, strategy)
        by_box = defaultdict(list)
        for placement in placements:
            by_box[placement.box].append(placement)
        for box, group in by_box.items():
            slots = {p.specimen_id: slot_details(box, p.row, p.column) for p in group}
            transition_many(
                [placement.specimen for placement in group],
                CustodyKind.STORED,
                actor=actor,
                site=where.site,
                ref=box.code,
                details=lambda specimen, slots=slots: {**slots[specimen.pk], "strategy": strategy},
            )
    return placements


def _insert(actor: User, where: Where, batch: list[Specimen], strategy: str) -> list[Placement]:
    now = timezone.now()
    for _attempt in range(ATTEMPTS):
        placements = [
            Placement(specimen=specimen, box=box, row=row, column=column, placed_at=now)
            for specimen, (box, row, column) in zip(
                batch, plan(where, batch, strategy), strict=True
            )
        ]
        try:
            with transaction.atomic():
                created = Placement.objects.bulk_create_with_history(
                    placements, actor=actor, reason=said(f"allocated ({strategy})")
                )
                shift((None, placement.box_id) for placement in created)
                return created
        except IntegrityError as error:
            if broken_constraint(error, *placements) != SLOT_CONSTRAINT:
                raise
    raise AllocationRaced(
        "Other technicians kept filling the planned slots; try the allocation again."
    )


def free_slots(where: Where, count: int) -> list[dict]:
    """Where ``count`` tubes would go by ``fill_first``, without placing them."""
    return [slot_details(box, row, column) for box, row, column in plan_fill_first(where, count)]

"""Packing at the collection site: create a shipment, pack and unpack tubes by scan, cancel.

Each write locks the shipment row first (two people packing the same shipment take turns),
checks the lifecycle table, and changes tubes only through ``specimens.lifecycle``.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import IntegerField
from django.utils import timezone

from barcode_printing.ids import parse_id
from lims.audit import said, stamp
from lims.choices import Role, SiteKind
from lims.compiled import Compiled, Given
from lims.errors import NotFound
from lims.free_text import require_reason, screen
from lims.integrity import broken_constraint
from lims.models import Site, User
from lims.scoping import require_role
from lims.sql import step_transaction, together
from shipments.choices import FITTING_CONDITIONS, Condition, ReceiptStatus, ShipmentStatus
from shipments.choices import ShipmentAction as A
from shipments.errors import (
    AlreadyInShipment,
    IncompatibleCondition,
    InvalidPosition,
    InvalidSites,
    NotInShipment,
    OrderNotFinalized,
    PositionTaken,
    TubeNotAtOrigin,
)
from shipments.lifecycle import advance, check, lock
from shipments.models import Shipment, ShipmentItem
from specimens import selectors
from specimens.choices import CustodyKind, OrderStatus, SpecimenStatus
from specimens.identifiers import allocate_numbers
from specimens.lifecycle import transition, transition_many
from specimens.models import Specimen

_POSITION = re.compile(r"^(?:[A-Z]{1,2}\d{1,3}|\d{1,4})$")


def shipment_create(
    *, actor: User, origin: Site, condition: str, destination: Site | None = None
) -> Shipment:
    """A packing shipment from ``origin`` to ``destination`` (default: the biobank)."""
    require_role(actor, origin, Role.PHLEBOTOMIST, action="create shipments")
    destination = destination or Site.objects.filter(kind=SiteKind.BIOBANK).order_by("code").first()
    if destination is None:
        raise InvalidSites(
            "There is no biobank to ship to yet: ask an administrator to set one up.",
            errors={"destination": ["No biobank."]},
        )
    if origin.kind != SiteKind.COLLECTION or destination.kind != SiteKind.BIOBANK:
        raise InvalidSites(
            f"A shipment goes from a collection site to the biobank, not from {origin.code} "
            f"to {destination.code}.",
            errors={"destination": ["Must be a biobank."]},
        )
    with transaction.atomic():
        shipment = Shipment(
            code=f"SH-{allocate_numbers('shipment', 1)[0]:05d}",
            origin=origin,
            destination=destination,
            condition=condition,
            created_by=actor,
        )
        stamp(shipment, actor=actor, reason=said("shipment created")).save()
    return shipment


def _position(inner_box: int | None, position: str) -> str:
    position = (position or "").strip().upper()
    if not position:
        return ""
    if inner_box is None:
        raise InvalidPosition(
            "A position belongs to an inner box: give the box number too.",
            errors={"inner_box": ["Required with a position."]},
        )
    if not _POSITION.match(position):
        raise InvalidPosition(
            f"'{position}' is not a position: use a row letter and column number (A1) or a "
            "slot number.",
            errors={"position": ["Not a position."]},
        )
    return position


def _packable(actor: User, shipment: Shipment, barcode: str) -> Specimen:
    """The tube, locked, if it may go into ``shipment``; otherwise the problem that says why."""
    # Found in scope and locked in one statement, with the order the checks below read.
    specimen = selectors.locked_tube(actor, barcode)
    if specimen is None:
        raise NotFound(f"No tube {barcode} at your sites.", errors={"id": ["Unknown tube."]})
    if specimen.current_site_id != shipment.origin_id:
        raise TubeNotAtOrigin(
            f"Tube {barcode} is at {specimen.current_site.code}, not at {shipment.origin.code}; "
            "only tubes held at the shipment's origin can be packed."
        )
    open_item = _open_item.first(specimen=specimen.pk)
    if open_item is not None:
        other = open_item.shipment
        state = ShipmentStatus(other.status).label.lower()
        raise AlreadyInShipment(
            f"Tube {barcode} belongs to shipment {other.code}, {state}."
            + (" Take it out of that shipment first." if other.pk != shipment.pk else "")
        )
    order = specimen.order
    if order is not None and order.status != OrderStatus.FINALIZED:
        raise OrderNotFinalized(
            f"Tube {barcode} belongs to order {order.code}, which is "
            f"{OrderStatus(order.status).label.lower()}: finalize the order before packing."
        )
    fitting = FITTING_CONDITIONS[specimen.type.storage_class]
    if shipment.condition not in fitting:
        allowed = ", ".join(sorted(Condition(c).label for c in fitting))
        raise IncompatibleCondition(
            f"A {specimen.type.code} tube cannot travel "
            f"{Condition(shipment.condition).label.lower()}; it ships {allowed}."
        )
    return specimen


@Compiled
def _open_item(_key):
    """The manifest line that holds a tube in an open shipment, if any (compiled once)."""
    items = ShipmentItem.objects.filter(specimen=Given("specimen", IntegerField()), open=True)
    return items.select_related("shipment")[:1]


def shipment_add_item(
    *,
    actor: User,
    shipment: Shipment,
    barcode: str,
    inner_box: int | None = None,
    position: str = "",
    locked: bool = False,
) -> ShipmentItem:
    """Pack one scanned tube (→ ``packed``, custody ``packed``) into a shipment still packing.
    ``locked``: the caller holds the shipment's row lock in its transaction (``lock()``)."""
    barcode = parse_id(barcode)
    position = _position(inner_box, position)
    with step_transaction(locked=locked):
        shipment = shipment if locked else lock(shipment)
        rule = check(shipment, A.ADD_ITEM, actor=actor)
        specimen = _packable(actor, shipment, barcode)
        if (
            position
            and shipment.items.filter(open=True, inner_box=inner_box, position=position).exists()
        ):
            raise PositionTaken(
                f"Position {position} of inner box {inner_box} in {shipment.code} already "
                "holds a tube."
            )
        item = ShipmentItem(
            shipment=shipment,
            specimen=specimen,
            inner_box=inner_box,
            position=position,
            added_by=actor,
            added_at=timezone.now(),
        )
        try:
            # The tube's step and its manifest line are written together (one statement on
            # PostgreSQL), in a savepoint the refusal below can read past.
            with transaction.atomic(), together():
                transition(
                    specimen,
                    rule.custody,
                    actor=actor,
                    ref=shipment.code,
                    details={"inner_box": inner_box, "position": position},
                )
                ShipmentItem.objects.bulk_create_with_history(
                    [item], actor=actor, reason=said(f"packed into {shipment.code}")
                )
        except IntegrityError as error:
            # The row locks make this a backstop: the database still refuses two open shipments
            # for one tube, or two tubes in one position, whatever path wrote them.
            refused = broken_constraint(error, item)
            if refused == "shipment_position_unique":
                raise PositionTaken(
                    f"Position {position} of inner box {inner_box} in {shipment.code} was just "
                    "taken by another tube."
                ) from None
            if refused == "tube_in_one_open_shipment":
                raise AlreadyInShipment(f"Tube {barcode} is already in an open shipment.") from None
            raise
    return item


def _unpack(actor: User, items: list[ShipmentItem], *, shipment: Shipment, reason: str) -> None:
    """Take ``items`` out (tubes back to collected or processed); the rows stay, closed."""
    specimens = Specimen.objects.filter(pk__in=[i.specimen_id for i in items]).lock()
    for target in (SpecimenStatus.COLLECTED, SpecimenStatus.PROCESSED):
        batch = [
            s
            for s in specimens
            if (s.processed_at is not None) == (target == SpecimenStatus.PROCESSED)
        ]
        if batch:
            transition_many(
                batch,
                CustodyKind.UNPACKED,
                actor=actor,
                target=target,
                ref=shipment.code,
                reason=reason,
            )
    for item in items:
        item.open = False
        item.receipt_status = ReceiptStatus.REMOVED
    ShipmentItem.objects.bulk_update_with_history(
        items, ["open", "receipt_status"], actor=actor, reason=reason
    )


def shipment_remove_item(
    *, actor: User, shipment: Shipment, barcode: str, reason: str = ""
) -> ShipmentItem:
    """Take a tube out of a shipment still packing (custody ``unpacked``), saying why if known."""
    barcode = parse_id(barcode)
    reason = screen(reason, field="reason")
    why = f"taken out of {shipment.code}: {reason}" if reason else f"taken out of {shipment.code}"
    with transaction.atomic():
        shipment = lock(shipment)
        check(shipment, A.REMOVE_ITEM, actor=actor)
        item = shipment.items.filter(open=True, specimen__barcode=barcode).first()
        if item is None:
            raise NotInShipment(f"Tube {barcode} is not in shipment {shipment.code}.")
        _unpack(actor, [item], shipment=shipment, reason=why)
    return item


def shipment_cancel(*, actor: User, shipment: Shipment, reason: str) -> Shipment:
    """Give up a shipment before dispatch; its tubes go back to where they were."""
    reason = require_reason(reason, action="cancel a shipment")
    with transaction.atomic():
        shipment = lock(shipment)
        rule = check(shipment, A.CANCEL, actor=actor)
        items = list(shipment.items.filter(open=True))
        if items:
            _unpack(actor, items, shipment=shipment, reason=f"{shipment.code} cancelled: {reason}")
        advance(shipment, rule, actor=actor, at=timezone.now())
        stamp(shipment, actor=actor, reason=reason).save()
    return shipment

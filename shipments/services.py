"""Every write of shipments: create, pack, unpack, cancel, dispatch, arrive, receive, close, logger.

Each function takes the acting user and plain values, locks the shipment row first (so two
people packing, dispatching or receiving the same shipment take turns), checks the actor's
role at the right end of the journey, and changes tubes only through ``specimens.lifecycle``.
"""

import contextlib
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from barcode_printing.ids import parse_id
from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.errors import DomainError, NotFound
from lims.free_text import require_reason, screen
from lims.models import Site
from lims.scoping import require_role
from shipments import logger, selectors
from shipments.choices import (
    FITTING_CONDITIONS,
    RANGES,
    Condition,
    Courier,
    DiscrepancyKind,
    ReceiptStatus,
    ShipmentStatus,
)
from shipments.choices import ShipmentAction as A
from shipments.errors import (
    AlreadyInShipment,
    AlreadyReceived,
    DryIceMass,
    IncompatibleCondition,
    InvalidPosition,
    InvalidSites,
    LoggerAlreadyUploaded,
    LoggerOutsideTransit,
    NotInShipment,
    OrderNotFinalized,
    PositionTaken,
    ReferenceRequired,
    ShipmentEmpty,
    TubeNotAtOrigin,
)
from shipments.lifecycle import advance, check, when
from shipments.models import (
    Discrepancy,
    Excursion,
    Shipment,
    ShipmentItem,
    TemperatureLog,
)
from shipments.tracking import normalise_tracking
from specimens.choices import CustodyKind, OrderStatus, QCFlag, SpecimenStatus
from specimens.identifiers import allocate_numbers
from specimens.lifecycle import check_step, transition, transition_many
from specimens.models import CustodyEvent, Specimen
from specimens.services import lock_specimen, lock_specimens

DAMAGE_HOLD = "damaged in transit"
# What a receiving station tells the person scanning, per outcome of shipment_receive().
RECEIPT_ANSWERS = {
    "expected": "{id} received.",
    "straggler": "{id} received as a straggler; its missing record is resolved.",
    "damaged": "{id} received damaged: on hold, set it aside for review.",
    "unexpected": "{id} is not on the manifest of {shipment}: recorded, set it aside.",
}
MAX_DRY_ICE_KG = Decimal(200)
_POSITION = re.compile(r"^(?:[A-Z]{1,2}\d{1,3}|\d{1,4})$")


def _lock(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("origin", "destination")
        .get(pk=shipment.pk)
    )


def _save(obj, *, actor, reason: str) -> None:
    stamp(obj, actor=actor, reason=reason).save()


# --- packing at the collection site -----------------------------------------------------------


def shipment_create(*, actor, origin: Site, destination: Site, condition: str) -> Shipment:
    require_role(actor, origin, Role.PHLEBOTOMIST, action="create shipments")
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
        _save(shipment, actor=actor, reason="shipment created")
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


def _packable(actor, shipment: Shipment, barcode: str) -> Specimen:
    """The tube, locked, if it may go into ``shipment``; otherwise the problem that says why."""
    specimen = Specimen.objects.for_user(actor).filter(barcode=barcode).first()
    if specimen is None:
        raise NotFound(f"No tube {barcode} at your sites.", errors={"id": ["Unknown tube."]})
    specimen = lock_specimen(specimen)
    if specimen.current_site_id != shipment.origin_id:
        raise TubeNotAtOrigin(
            f"Tube {barcode} is at {specimen.current_site.code}, not at {shipment.origin.code}; "
            "only tubes held at the shipment's origin can be packed."
        )
    open_item = (
        ShipmentItem.objects.filter(specimen=specimen, open=True).select_related("shipment").first()
    )
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


def shipment_add_item(
    *, actor, shipment: Shipment, barcode: str, inner_box: int | None = None, position: str = ""
) -> ShipmentItem:
    """Pack one scanned tube (→ ``packed``, custody ``packed``) into a shipment still packing."""
    barcode = parse_id(barcode)
    position = _position(inner_box, position)
    with transaction.atomic():
        shipment = _lock(shipment)
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
        transition(
            specimen,
            rule.custody,
            actor=actor,
            ref=shipment.code,
            details={"inner_box": inner_box, "position": position},
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
            with transaction.atomic():
                _save(item, actor=actor, reason=f"packed into {shipment.code}")
        except IntegrityError as error:
            # The row locks make this a backstop: the database still refuses two open shipments
            # for one tube, or two tubes in one position, whatever path wrote them.
            if "position" in str(error):
                raise PositionTaken(
                    f"Position {position} of inner box {inner_box} in {shipment.code} was just "
                    "taken by another tube."
                ) from None
            raise AlreadyInShipment(f"Tube {barcode} is already in an open shipment.") from None
    return item


def _unpack(actor, items: list[ShipmentItem], *, shipment: Shipment, reason: str) -> None:
    """Take ``items`` out (tubes back to collected or processed); the rows stay, closed."""
    specimens = lock_specimens(Specimen.objects.filter(pk__in=[i.specimen_id for i in items]))
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


def shipment_remove_item(*, actor, shipment: Shipment, barcode: str) -> ShipmentItem:
    """Take a tube out of a shipment still packing (custody ``unpacked``)."""
    barcode = parse_id(barcode)
    with transaction.atomic():
        shipment = _lock(shipment)
        check(shipment, A.REMOVE_ITEM, actor=actor)
        item = shipment.items.filter(open=True, specimen__barcode=barcode).first()
        if item is None:
            raise NotInShipment(f"Tube {barcode} is not in shipment {shipment.code}.")
        _unpack(actor, [item], shipment=shipment, reason=f"taken out of {shipment.code}")
    return item


def shipment_cancel(*, actor, shipment: Shipment, reason: str) -> Shipment:
    """Give up a shipment before dispatch; its tubes go back to where they were."""
    reason = require_reason(reason, action="cancel a shipment")
    with transaction.atomic():
        shipment = _lock(shipment)
        rule = check(shipment, A.CANCEL, actor=actor)
        items = list(shipment.items.filter(open=True))
        if items:
            _unpack(actor, items, shipment=shipment, reason=f"{shipment.code} cancelled: {reason}")
        advance(shipment, rule, actor=actor, at=timezone.now())
        _save(shipment, actor=actor, reason=reason)
    return shipment


def shipment_dispatch(
    *,
    actor,
    shipment: Shipment,
    courier: str,
    tracking_number: str,
    dry_ice_kg: Decimal | None = None,
    logger_id: str = "",
) -> Shipment:
    """Hand the shipment to the courier: contents frozen, every tube ``in_transit``, at once."""
    tracking = normalise_tracking(courier, tracking_number)
    logger_id = screen(logger_id, field="logger_id")
    with transaction.atomic():
        shipment = _lock(shipment)
        rule = check(shipment, A.DISPATCH, actor=actor)
        _check_dry_ice(shipment, dry_ice_kg)
        specimens = lock_specimens(
            Specimen.objects.filter(shipment_items__shipment=shipment, shipment_items__open=True)
        )
        if not specimens:
            raise ShipmentEmpty(f"Shipment {shipment.code} has no tubes: pack tubes first.")
        now = timezone.now()
        advance(shipment, rule, actor=actor, at=now)
        shipment.courier = courier
        shipment.tracking_number = tracking
        shipment.dry_ice_kg = dry_ice_kg
        shipment.logger_id = logger_id
        transition_many(
            specimens,
            rule.custody,
            actor=actor,
            ref=shipment.code,
            at=now,
            details={
                "courier": courier,
                "tracking_number": tracking,
                "condition": shipment.condition,
                "destination": shipment.destination.code,
            },
        )
        _save(shipment, actor=actor, reason=f"dispatched with {Courier(courier).label}")
    return shipment


def _check_dry_ice(shipment: Shipment, dry_ice_kg: Decimal | None) -> None:
    if shipment.condition == Condition.DRY_ICE:
        if dry_ice_kg is None or not Decimal(0) < dry_ice_kg <= MAX_DRY_ICE_KG:
            raise DryIceMass(
                f"Shipment {shipment.code} travels on dry ice: give the net dry-ice mass in kg "
                f"(more than 0, at most {MAX_DRY_ICE_KG}) for the UN1845 marking.",
                errors={"dry_ice_kg": ["Required for dry ice."]},
            )
    elif dry_ice_kg is not None:
        raise DryIceMass(
            f"Shipment {shipment.code} travels "
            f"{Condition(shipment.condition).label.lower()}, not on dry ice.",
            errors={"dry_ice_kg": ["Only for dry-ice shipments."]},
        )


# --- receipt at the biobank -------------------------------------------------------------------


def shipment_arrive(
    *, actor, shipment: Shipment, condition_ok: bool, temperature_c=None, notes: str = ""
) -> Shipment:
    """Record the package's arrival: when, by whom, how it looked; transit time per tube."""
    notes = screen(notes, field="notes")
    with transaction.atomic():
        shipment = _lock(shipment)
        rule = check(shipment, A.ARRIVE, actor=actor)
        now = timezone.now()
        advance(shipment, rule, actor=actor, at=now)
        shipment.arrival_condition_ok = condition_ok
        shipment.arrival_temperature_c = temperature_c
        shipment.arrival_notes = notes
        _save(shipment, actor=actor, reason="arrival recorded")
        minutes = max(0, int((now - shipment.dispatched_at).total_seconds() // 60))
        items = list(shipment.items.filter(open=True))
        for item in items:
            item.transit_minutes = minutes
        ShipmentItem.objects.bulk_update_with_history(
            items, ["transit_minutes"], actor=actor, reason="transit time at arrival"
        )
    return shipment


def _last_custody(specimen: Specimen | None) -> dict:
    if specimen is None:
        return {}
    event = (
        CustodyEvent.objects.filter(specimen=specimen)
        .select_related("site")
        .order_by("-seq")
        .first()
    )
    if event is None:
        return {}
    return {
        "kind": event.kind,
        "at": event.at.isoformat(),
        "site": event.site.code,
        "ref": event.ref,
        "status": specimen.status,
    }


@dataclass(frozen=True, slots=True)
class Receipt:
    """One tube scanned in at the biobank: intact or damaged, with a reference for a straggler."""

    barcode: str
    damaged: bool = False
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Received:
    """What a scan did: its outcome (a key of RECEIPT_ANSWERS), the tube's ID, the item or
    discrepancy it recorded, and the receipt's counts just after it (as ``receipt_counts``)."""

    outcome: str
    barcode: str
    record: ShipmentItem | Discrepancy
    counts: dict


def shipment_receive(
    *, actor, shipment: Shipment, barcode: str, damaged: bool = False, reference: str = ""
) -> Received:
    """Scan one tube in: answers ``expected``, ``damaged``, ``straggler`` or ``unexpected``.

    An expected tube becomes ``received`` at the biobank; a damaged one is received and put on
    hold; a tube marked missing at closing is received with a reference that resolves its
    discrepancy; a tube not on the manifest is recorded, not moved.
    """
    receipt = Receipt(barcode, damaged, reference)
    (answer,) = shipment_receive_many(actor=actor, shipment=shipment, receipts=[receipt])
    if isinstance(answer, DomainError):
        raise answer
    return answer


def shipment_receive_many(
    *, actor, shipment: Shipment, receipts: list[Receipt]
) -> list[Received | DomainError]:
    """Scan tubes in as ``shipment_receive`` does one by one, in order, with one lock of the
    shipment and one write of the tubes received: the answer to each scan is what it did or
    the error that refused it (a refused scan changes nothing)."""
    with transaction.atomic():
        shipment = _lock(shipment)
        try:
            check(shipment, A.RECEIVE, actor=actor)
        except DomainError as error:
            return [error] * len(receipts)
        receiving = _Receiving(actor, shipment, [receipt.barcode for receipt in receipts])
        answers: list[Received | DomainError] = []
        for receipt in receipts:
            try:
                answers.append(receiving.scan(receipt))
            except DomainError as error:
                answers.append(error)
        receiving.write()
    return answers


@dataclass(frozen=True, slots=True)
class _Scanned:
    item: ShipmentItem
    damaged: bool
    reference: str
    straggler: bool


class _Receiving:
    """The receipt of one locked shipment, kept in memory while a batch of scans is checked in
    order; ``write()`` then records the tubes received together."""

    def __init__(self, actor, shipment: Shipment, scanned: list[str]) -> None:
        self.actor, self.shipment = actor, shipment
        self.now = timezone.now()
        barcodes = set()
        for text in scanned:
            # An ID that does not parse is refused by scan(), in its turn.
            with contextlib.suppress(DomainError):
                barcodes.add(parse_id(text))
        items = list(
            shipment.items.exclude(receipt_status=ReceiptStatus.REMOVED).filter(
                specimen__barcode__in=barcodes
            )
        )
        locked = lock_specimens(Specimen.objects.filter(pk__in=[i.specimen_id for i in items]))
        tubes = {tube.pk: tube for tube in locked}
        for item in items:
            item.specimen = tubes[item.specimen_id]
        self.items = {item.specimen.barcode: item for item in items}
        self.statuses = selectors.receipt_statuses(shipment)
        self.unexpected = selectors.unexpected_count(shipment)
        # The tubes received, in scan order.
        self.received: list[_Scanned] = []

    def scan(self, receipt: Receipt) -> Received:
        barcode = parse_id(receipt.barcode)
        reference = screen(receipt.reference, field="reference")
        item = self.items.get(barcode)
        if item is None:
            check(self.shipment, A.RECORD_UNEXPECTED, actor=self.actor)
            discrepancy = _record_unexpected(self.actor, self.shipment, barcode)
            self.unexpected = selectors.unexpected_count(self.shipment)
            return Received("unexpected", barcode, discrepancy, self._counts())
        if item.receipt_status in (ReceiptStatus.RECEIVED, ReceiptStatus.DAMAGED):
            raise AlreadyReceived(
                f"Tube {barcode} was already received from {self.shipment.code} "
                f"{when(item.received_at)}; nothing changed."
            )
        straggler = item.receipt_status == ReceiptStatus.MISSING
        if straggler and not reference:
            raise ReferenceRequired(
                f"Tube {barcode} was marked missing when {self.shipment.code} was closed: give "
                "a reference (incident or ticket number) to receive it as a straggler.",
                errors={"reference": ["Required for a tube marked missing."]},
            )
        check_step(
            item.specimen, CustodyKind.RECEIVED, actor=self.actor, site=self.shipment.destination
        )
        self.statuses[item.receipt_status] -= 1
        item.receipt_status = ReceiptStatus.DAMAGED if receipt.damaged else ReceiptStatus.RECEIVED
        self.statuses[item.receipt_status] += 1
        item.received_at, item.received_by = self.now, self.actor
        self.received.append(_Scanned(item, receipt.damaged, reference, straggler))
        outcome = "straggler" if straggler else ("damaged" if receipt.damaged else "expected")
        return Received(outcome, barcode, item, self._counts())

    def _counts(self) -> dict:
        return selectors.counts_of(self.statuses, self.unexpected)

    def write(self) -> None:
        """Custody and history of every tube received: a few statements for the whole batch."""
        shipment, actor = self.shipment, self.actor
        scans = {scanned.item.specimen_id: scanned for scanned in self.received}

        def details(tube: Specimen) -> dict:
            scanned = scans[tube.pk]
            noted = {"damaged": scanned.damaged, "transit_minutes": scanned.item.transit_minutes}
            return {**noted, "reference": scanned.reference} if scanned.reference else noted

        def changes(tube: Specimen) -> dict:
            moved = {"current_site": shipment.destination}
            if scans[tube.pk].damaged and QCFlag.DAMAGED_IN_TRANSIT not in tube.qc_flags:
                moved["qc_flags"] = [*tube.qc_flags, QCFlag.DAMAGED_IN_TRANSIT.value]
            return moved

        transition_many(
            [scanned.item.specimen for scanned in self.received],
            CustodyKind.RECEIVED,
            actor=actor,
            site=shipment.destination,
            ref=shipment.code,
            details=details,
            changes=changes,
            at=self.now,
        )
        damaged = [scanned.item.specimen for scanned in self.received if scanned.damaged]
        transition_many(
            [tube for tube in damaged if not tube.on_hold],
            CustodyKind.HELD,
            actor=actor,
            reason=DAMAGE_HOLD,
            details={"reason": DAMAGE_HOLD},
            changes={"hold_reason": DAMAGE_HOLD},
        )
        for tube in damaged:
            _discrepancy(actor, shipment, DiscrepancyKind.DAMAGED, tube.barcode, tube)
        for scanned in self.received:
            if scanned.straggler:
                barcode = scanned.item.specimen.barcode
                _resolve_missing(actor, shipment, barcode, scanned.reference)
        ShipmentItem.objects.bulk_update_with_history(
            [scanned.item for scanned in self.received],
            ["receipt_status", "received_at", "received_by"],
            actor=actor,
            reason=f"received from {shipment.code}",
        )


def _discrepancy(
    actor, shipment: Shipment, kind: str, barcode: str, specimen: Specimen | None
) -> Discrepancy:
    found = Discrepancy.objects.filter(shipment=shipment, barcode=barcode, kind=kind).first()
    if found is not None:
        return found
    discrepancy = Discrepancy(
        shipment=shipment,
        kind=kind,
        barcode=barcode,
        specimen=specimen,
        last_custody=_last_custody(specimen),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _save(discrepancy, actor=actor, reason=f"{DiscrepancyKind(kind).label} in {shipment.code}")
    return discrepancy


def _record_unexpected(actor, shipment: Shipment, barcode: str) -> Discrepancy:
    # Any barcode may be looked up at the biobank; the tube itself is left where it is.
    specimen = Specimen.objects.filter(barcode=barcode).first()
    return _discrepancy(actor, shipment, DiscrepancyKind.UNEXPECTED, barcode, specimen)


def _resolve_missing(actor, shipment: Shipment, barcode: str, reference: str) -> None:
    discrepancy = Discrepancy.objects.filter(
        shipment=shipment, barcode=barcode, kind=DiscrepancyKind.MISSING, resolved_at=None
    ).first()
    if discrepancy is None:
        return
    discrepancy.resolved_at = timezone.now()
    discrepancy.resolved_by = actor
    discrepancy.resolution_ref = reference
    _save(discrepancy, actor=actor, reason=f"straggler received: {reference}")


def shipment_close(*, actor, shipment: Shipment) -> Shipment:
    """Close the receipt: every tube not scanned is ``missing``, with a discrepancy to resolve."""
    with transaction.atomic():
        shipment = _lock(shipment)
        rule = check(shipment, A.CLOSE, actor=actor)
        open_items = list(shipment.items.filter(open=True).select_related("specimen"))
        pending = [i for i in open_items if i.receipt_status == ReceiptStatus.PENDING]
        now = timezone.now()
        if pending:
            specimens = lock_specimens(
                Specimen.objects.filter(pk__in=[i.specimen_id for i in pending])
            )
            transition_many(
                specimens,
                rule.custody,
                actor=actor,
                site=shipment.destination,
                ref=shipment.code,
                at=now,
                details={"shipment": shipment.code},
            )
            Discrepancy.objects.bulk_create_with_history(
                [
                    Discrepancy(
                        shipment=shipment,
                        kind=DiscrepancyKind.MISSING,
                        barcode=specimen.barcode,
                        specimen=specimen,
                        last_custody={"kind": CustodyKind.DISPATCHED, "ref": shipment.code},
                        recorded_by=actor,
                        recorded_at=now,
                    )
                    for specimen in specimens
                ],
                actor=actor,
                reason=f"not received when {shipment.code} was closed",
            )
        for item in open_items:
            item.open = False
            if item.receipt_status == ReceiptStatus.PENDING:
                item.receipt_status = ReceiptStatus.MISSING
        ShipmentItem.objects.bulk_update_with_history(
            open_items, ["open", "receipt_status"], actor=actor, reason="receipt closed"
        )
        advance(shipment, rule, actor=actor, at=now)
        _save(shipment, actor=actor, reason="receipt closed")
    return shipment


# --- transit temperature ----------------------------------------------------------------------


def shipment_upload_logger(*, actor, shipment: Shipment, content: str) -> TemperatureLog:
    """Record the logger file, its min/max and excursions during transit; flag the tubes."""
    with transaction.atomic():
        shipment = _lock(shipment)
        check(shipment, A.UPLOAD_LOGGER, actor=actor)
        if TemperatureLog.objects.filter(shipment=shipment).exists():
            raise LoggerAlreadyUploaded(
                f"The logger file of {shipment.code} is already recorded; it is evidence and is "
                "not replaced."
            )
        readings = _in_transit(shipment, logger.parse(content, shipment.origin.time_zone))
        stretches = logger.excursions(readings, RANGES[shipment.condition])
        log = TemperatureLog.objects.create(
            shipment=shipment,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            sha256=hashlib.sha256(content.encode()).hexdigest(),
            content=content,
            readings=len(readings),
            first_at=readings[0].at,
            last_at=readings[-1].at,
            min_c=min(r.celsius for r in readings),
            max_c=max(r.celsius for r in readings),
        )
        Excursion.objects.bulk_create(
            Excursion(log=log, started_at=s.started_at, ended_at=s.ended_at, peak_c=s.peak_c)
            for s in stretches
        )
        if stretches:
            _flag_excursion(actor, shipment)
    return log


def _in_transit(shipment: Shipment, readings: list[logger.Reading]) -> list[logger.Reading]:
    """The readings between dispatch and arrival (to the last reading if not yet arrived)."""
    start, end = shipment.dispatched_at, shipment.arrived_at
    kept = [r for r in readings if r.at >= start and (end is None or r.at <= end)]
    if not kept:
        until = when(end) if end else "now"
        raise LoggerOutsideTransit(
            f"The file's readings run from {when(readings[0].at)} to {when(readings[-1].at)}, "
            f"outside the transit of {shipment.code} ({when(start)} to {until}); "
            "check the logger ID and its clock.",
            errors={"file": ["No reading during transit."]},
        )
    return kept


def _flag_excursion(actor, shipment: Shipment) -> None:
    flag = QCFlag.TRANSIT_TEMPERATURE_EXCURSION.value
    on_manifest = shipment.items.exclude(receipt_status=ReceiptStatus.REMOVED)
    specimens = lock_specimens(Specimen.objects.filter(pk__in=on_manifest.values("specimen_id")))
    flagged = [s for s in specimens if flag not in s.qc_flags]
    for specimen in flagged:
        specimen.qc_flags = [*specimen.qc_flags, flag]
    Specimen.objects.bulk_update_with_history(
        flagged,
        ["qc_flags"],
        actor=actor,
        reason=f"temperature excursion during transit in {shipment.code}",
    )

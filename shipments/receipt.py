"""Receipt at the biobank: arrival, scanning tubes in (one or a batch), stragglers, closing.

Each write locks the shipment row first (two technicians receiving the same shipment take turns),
checks the lifecycle table, and changes tubes only through ``specimens.lifecycle``.
"""

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, IntegerField
from django.utils import timezone

from barcode_printing.ids import parse_id
from lims.audit import said, stamp
from lims.compiled import Compiled, Given
from lims.errors import DomainError
from lims.free_text import screen
from lims.models import User
from lims.sql import step_transaction, together
from shipments import selectors
from shipments.choices import DiscrepancyKind, ReceiptStatus
from shipments.choices import ShipmentAction as A
from shipments.errors import AlreadyReceived, ReferenceRequired
from shipments.lifecycle import advance, check, lock, when
from shipments.models import Discrepancy, Shipment, ShipmentItem
from specimens.choices import Ceremony, CustodyKind, QCFlag
from specimens.lifecycle import check_step, transition_many
from specimens.models import LIFECYCLE_RELATED, CustodyEvent, Specimen
from specimens.services import WITHDRAWAL_HOLD

DAMAGE_HOLD = said("damaged in transit")
# What a receiving station tells the person scanning, per outcome of shipment_receive().
RECEIPT_ANSWERS = {
    "expected": "{id} received.",
    "straggler": "{id} received as a straggler; its missing record is resolved.",
    "damaged": "{id} received damaged: on hold, set it aside for review.",
    "unexpected": "{id} is not on the manifest of {shipment}: recorded, set it aside.",
}
# The answer that overrides them all: the tube is received (custody is a fact) but must not be
# stored, because its participant withdrew and asked for destruction (ARCHITECTURE §2).
DESTROY_ANSWER = (
    "DESTROY {id}: participant {participant} withdrew and asked for their samples to be "
    "destroyed. Received and on hold; do not store it, set it aside for disposal.{ceremony}"
)
CEREMONY_NOTE = " A disposal ceremony is requested."


def shipment_arrive(
    *,
    actor: User,
    shipment: Shipment,
    condition_ok: bool,
    temperature_c: Decimal | None = None,
    notes: str = "",
) -> Shipment:
    """Record the package's arrival: when, by whom, how it looked; transit time per tube."""
    notes = screen(notes, field="notes")
    with transaction.atomic():
        shipment = lock(shipment)
        rule = check(shipment, A.ARRIVE, actor=actor)
        now = timezone.now()
        advance(shipment, rule, actor=actor, at=now)
        shipment.arrival_condition_ok = condition_ok
        shipment.arrival_temperature_c = temperature_c
        shipment.arrival_notes = notes
        stamp(shipment, actor=actor, reason=said("arrival recorded")).save()
        minutes = max(0, int((now - shipment.dispatched_at).total_seconds() // 60))
        items = list(shipment.items.filter(open=True))
        for item in items:
            item.transit_minutes = minutes
        ShipmentItem.objects.bulk_update_with_history(
            items, ["transit_minutes"], actor=actor, reason=said("transit time at arrival")
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

    @property
    def disposal_due(self) -> bool:
        """The tube received awaits destruction: it goes to disposal, never into storage."""
        return isinstance(self.record, ShipmentItem) and self.record.specimen.disposal_due

    def disposal(self) -> dict:
        """What the receiver must do with a tube awaiting destruction, and why."""
        participant = self.record.specimen.participant
        return {
            "instruction": "destroy",
            "disposal_reason": WITHDRAWAL_HOLD,
            "participant": participant.biobank_id,
            # The program treats an unknown answer as a request for a ceremony (REFERENCE §1).
            "ceremony": participant.ceremony in (Ceremony.YES, Ceremony.UNKNOWN),
        }

    def sentence(self) -> str:
        """The answer a receiving station shows for this scan."""
        if self.disposal_due:
            disposal = self.disposal()
            return DESTROY_ANSWER.format(
                id=self.barcode,
                participant=disposal["participant"],
                ceremony=CEREMONY_NOTE if disposal["ceremony"] else "",
            )
        shipment = self.record.shipment.code
        return RECEIPT_ANSWERS[self.outcome].format(id=self.barcode, shipment=shipment)


def shipment_receive(
    *,
    actor: User,
    shipment: Shipment,
    barcode: str,
    damaged: bool = False,
    reference: str = "",
    locked: bool = False,
) -> Received:
    """Scan one tube in: answers ``expected``, ``damaged``, ``straggler`` or ``unexpected``.

    An expected tube becomes ``received`` at the biobank; a damaged one is received and put on
    hold; a tube marked missing at closing is received with a reference that resolves its
    discrepancy; a tube not on the manifest is recorded, not moved. ``locked``: the caller
    holds the shipment's row lock in its transaction (``lifecycle.lock()``).
    """
    receipt = Receipt(barcode, damaged, reference)
    (answer,) = shipment_receive_many(
        actor=actor, shipment=shipment, receipts=[receipt], locked=locked
    )
    if isinstance(answer, DomainError):
        raise answer
    return answer


def shipment_receive_many(
    *, actor: User, shipment: Shipment, receipts: list[Receipt], locked: bool = False
) -> list[Received | DomainError]:
    """Scan tubes in as ``shipment_receive`` does one by one, in order, with one lock of the
    shipment and one write of the tubes received: the answer to each scan is what it did or
    the error that refused it (a refused scan changes nothing)."""
    with step_transaction(locked=locked):
        shipment = shipment if locked else lock(shipment)
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


@Compiled
def _scanned_lines(_key):
    """A shipment's manifest lines of the scanned barcodes, their tubes locked (compiled once)."""
    return (
        ShipmentItem.objects.filter(shipment=Given("shipment", IntegerField()))
        .exclude(receipt_status=ReceiptStatus.REMOVED)
        .filter(specimen__barcode__any_of=Given("barcodes", CharField(), many=True))
        .select_related(*(f"specimen__{name}" for name in LIFECYCLE_RELATED))
        .select_for_update(of=("specimen",))
        .order_by("specimen_id")
    )


class _Receiving:
    """The receipt of one locked shipment, kept in memory while a batch of scans is checked in
    order; ``write()`` then records the tubes received together."""

    def __init__(self, actor: User, shipment: Shipment, scanned: list[str]) -> None:
        self.actor, self.shipment = actor, shipment
        self.now = timezone.now()
        barcodes = set()
        for text in scanned:
            # An ID that does not parse is refused by scan(), in its turn.
            with contextlib.suppress(DomainError):
                barcodes.add(parse_id(text))
        # The scanned lines with their tubes, the tubes locked in key order (as
        # ``Specimen.objects.lock()`` takes them) in the same statement.
        items = _scanned_lines(shipment=shipment.pk, barcodes=sorted(barcodes))
        for item in items:
            # The locked shipment, as ``shipment.items`` would have set it.
            item.shipment = shipment
        self.items = {item.specimen.barcode: item for item in items}
        self.statuses, self.unexpected = selectors.receipt_tally(shipment)
        # The tubes received, in scan order.
        self.received: list[_Scanned] = []

    def scan(self, receipt: Receipt) -> Received:
        barcode = parse_id(receipt.barcode)
        reference = screen(receipt.reference, field="reference")
        item = self.items.get(barcode)
        if item is None:
            check(self.shipment, A.RECORD_UNEXPECTED, actor=self.actor)
            discrepancy = _record_unexpected(self.actor, self.shipment, barcode)
            _statuses, self.unexpected = selectors.receipt_tally(self.shipment)
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
        """Custody and history of every tube received, written together: one statement for
        the whole batch on PostgreSQL, unless a damaged tube or a straggler needs more."""
        with together():
            self._write()

    def _write(self) -> None:
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
            reason=said(f"received from {shipment.code}"),
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
    stamp(
        discrepancy, actor=actor, reason=f"{DiscrepancyKind(kind).label} in {shipment.code}"
    ).save()
    return discrepancy


def _record_unexpected(actor: User, shipment: Shipment, barcode: str) -> Discrepancy:
    # Any barcode may be looked up at the biobank; the tube itself is left where it is.
    specimen = Specimen.objects.filter(barcode=barcode).first()
    return _discrepancy(actor, shipment, DiscrepancyKind.UNEXPECTED, barcode, specimen)


def _resolve_missing(actor: User, shipment: Shipment, barcode: str, reference: str) -> None:
    discrepancy = Discrepancy.objects.filter(
        shipment=shipment, barcode=barcode, kind=DiscrepancyKind.MISSING, resolved_at=None
    ).first()
    if discrepancy is None:
        return
    discrepancy.resolved_at = timezone.now()
    discrepancy.resolved_by = actor
    discrepancy.resolution_ref = reference
    stamp(discrepancy, actor=actor, reason=f"straggler received: {reference}").save()


def shipment_close(*, actor: User, shipment: Shipment) -> Shipment:
    """Close the receipt: every tube not scanned is ``missing``, with a discrepancy to resolve."""
    with transaction.atomic():
        shipment = lock(shipment)
        rule = check(shipment, A.CLOSE, actor=actor)
        open_items = list(shipment.items.filter(open=True).select_related("specimen"))
        pending = [i for i in open_items if i.receipt_status == ReceiptStatus.PENDING]
        now = timezone.now()
        if pending:
            specimens = Specimen.objects.filter(pk__in=[i.specimen_id for i in pending]).lock()
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
                reason=said(f"not received when {shipment.code} was closed"),
            )
        for item in open_items:
            item.open = False
            if item.receipt_status == ReceiptStatus.PENDING:
                item.receipt_status = ReceiptStatus.MISSING
        ShipmentItem.objects.bulk_update_with_history(
            open_items, ["open", "receipt_status"], actor=actor, reason=said("receipt closed")
        )
        advance(shipment, rule, actor=actor, at=now)
        stamp(shipment, actor=actor, reason=said("receipt closed")).save()
    return shipment

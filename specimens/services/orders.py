"""Collection orders: create, collect, process, finalize; cancel, restore, unlock."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from barcode_printing.ids import parse_id
from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.errors import InvalidInput
from lims.free_text import screen
from lims.models import Site, User
from lims.scoping import require_role
from specimens import custody
from specimens.choices import (
    CancelReason,
    Consent,
    CustodyKind,
    QCFlag,
    RestoreReason,
    SampleKind,
    SpecimenStatus,
    UnlockReason,
)
from specimens.errors import (
    CentrifugeMismatch,
    NotACollectionSite,
    NoTubes,
    OrderStatusConflict,
    ParticipantWithdrawn,
    ProcessingBeforeCollection,
    ProcessingIncomplete,
    SafetyCheckRefusesTube,
    TubeNotInOrder,
    TubeNotInSet,
    UnknownTubeCode,
)
from specimens.identifiers import allocate_order_code, allocate_specimen_ids
from specimens.labels import print_order_labels
from specimens.lifecycle import transition_many
from specimens.models import (
    CollectionOrder,
    Participant,
    Specimen,
    SpecimenType,
    TubeSet,
)
from specimens.order_lifecycle import (
    CREATE,
    lock_order,
    record_step,
    require_order_role,
)
from specimens.services.checks import check_not_future, reason_from_list


def tube_set_in_force(*, pediatric: bool = False) -> TubeSet:
    return TubeSet.objects.filter(in_force=True, pediatric=pediatric).order_by("-version").first()


def safety_refusals(types: Iterable[SpecimenType], safety: dict) -> list[str]:
    """Tubes the pre-draw safety answers rule out, each with the program's reason."""
    refusals = []
    for tube in types:
        if tube.kind == SampleKind.BLOOD:
            if safety["transfusion_past_6_months"]:
                refusals.append(f"{tube.code}: no blood after a transfusion in the past 6 months")
            elif safety["donated_blood_past_week"]:
                refusals.append(f"{tube.code}: no blood after a donation in the past week")
            elif safety["fainting_history"]:
                refusals.append(f"{tube.code}: history of fainting, offer urine and saliva only")
        elif tube.kind == SampleKind.SALIVA and safety["transfusion_past_6_months"]:
            refusals.append(f"{tube.code}: no saliva after a whole-blood transfusion")
    return refusals


def _order_types(codes: list[str], tube_set: TubeSet) -> list[SpecimenType]:
    if not codes:
        raise NoTubes("Choose at least one tube for the order.", errors={"tubes": ["Empty."]})
    known = {t.code: t for t in SpecimenType.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(known))
    if unknown:
        raise UnknownTubeCode(
            f"Unknown tube code(s): {', '.join(unknown)}.",
            errors={"tubes": [f"Unknown: {', '.join(unknown)}."]},
        )
    in_set = set(tube_set.types.values_list("code", flat=True))
    outside = sorted(set(codes) - in_set)
    if outside:
        raise TubeNotInSet(
            f"{', '.join(outside)} not in tube set {tube_set}.",
            errors={"tubes": [f"Not in {tube_set}: {', '.join(outside)}."]},
        )
    return [known[code] for code in codes]


def order_create(
    *,
    actor: User,
    participant: Participant,
    site: Site,
    tube_codes: list[str],
    safety: dict,
    tube_set: TubeSet | None = None,
) -> CollectionOrder:
    """Open an order: one new specimen ID per tube, each labeled with a custody event."""
    require_role(actor, site, Role.PHLEBOTOMIST, action="create orders")
    if site.kind != SiteKind.COLLECTION:
        raise NotACollectionSite(f"{site.code} is not a collection site.")
    if participant.consent == Consent.WITHDRAWN:
        raise ParticipantWithdrawn(
            f"Participant {participant.biobank_id} withdrew consent on "
            f"{participant.withdrawn_at:%Y-%m-%d}; no new orders."
        )
    tube_set = tube_set or tube_set_in_force()
    types = _order_types(tube_codes, tube_set)
    refusals = safety_refusals(types, safety)
    if refusals:
        raise SafetyCheckRefusesTube("; ".join(refusals) + ".", errors={"tubes": refusals})
    with transaction.atomic():
        order = CollectionOrder(
            code=allocate_order_code(),
            participant=participant,
            site=site,
            tube_set=tube_set,
            created_by=actor,
            **safety,
        )
        record_step(order, CREATE, actor=actor, reason="order created")
        for barcode, tube in zip(allocate_specimen_ids(len(types)), types, strict=True):
            _label(actor, order, barcode, tube)
        # HealthPro's flow: create, print labels, collect. A printer problem never undoes the
        # order; it is logged and the failed job stays on record to retry.
        transaction.on_commit(lambda: print_order_labels(actor, order), robust=True)
    return order


def _label(actor: User, order: CollectionOrder, barcode: str, tube: SpecimenType) -> Specimen:
    specimen = Specimen(
        barcode=barcode,
        type=tube,
        participant=order.participant,
        order=order,
        collection_site=order.site,
        current_site=order.site,
    )
    event = custody.chain(
        specimen,
        kind=CustodyKind.LABELED,
        actor=actor,
        site=order.site,
        ref=order.code,
        details={"type": tube.code},
    )
    stamp(specimen, actor=actor, reason=f"labeled for {order.code}").save()
    event.save()
    return specimen


def _selected(order: CollectionOrder, barcodes: list[str] | None) -> list[Specimen]:
    tubes = order.specimens.all()
    if barcodes is None:
        return tubes.lock()
    wanted = [parse_id(code) for code in barcodes]
    found = tubes.filter(barcode__in=wanted).lock()
    missing = sorted(set(wanted) - {s.barcode for s in found})
    if missing:
        raise TubeNotInOrder(
            f"{', '.join(missing)} not in order {order.code}.",
            errors={"barcodes": [f"Not in this order: {', '.join(missing)}."]},
        )
    return found


def order_collect(
    *,
    actor: User,
    order: CollectionOrder,
    collected_at: datetime,
    barcodes: list[str] | None = None,
    notes: str = "",
) -> CollectionOrder:
    """Record the draw: the given tubes (default: every labeled tube) become collected."""
    require_order_role(order, "collect", actor=actor)
    check_not_future(collected_at, field="collected_at")
    notes = screen(notes, field="notes")
    with transaction.atomic():
        order, step = lock_order(order, "collect", actor=actor)
        tubes = _selected(order, barcodes)
        if barcodes is None:
            tubes = [t for t in tubes if t.status == SpecimenStatus.LABELED]
        if not tubes:
            raise OrderStatusConflict(f"Order {order.code} has no labeled tubes left to collect.")
        transition_many(
            tubes,
            CustodyKind.COLLECTED,
            actor=actor,
            ref=order.code,
            details={"notes": notes} if notes else {},
            changes={"collected_at": collected_at},
            reason=notes,
        )
        record_step(order, step, actor=actor, reason=notes or "collected")
    return order


def order_process(
    *,
    actor: User,
    order: CollectionOrder,
    processed_at: datetime | None = None,
    times: dict[str, datetime] | None = None,
    centrifuge: str = "",
    barcodes: list[str] | None = None,
) -> CollectionOrder:
    """Record processing of the collected tubes that need it, with the program's time rules."""
    require_order_role(order, "process", actor=actor)
    times = {parse_id(code): value for code, value in (times or {}).items()}
    with transaction.atomic():
        order, step = lock_order(order, "process", actor=actor)
        tubes = _selected(order, barcodes or list(times) or None)
        tubes = [
            t
            for t in tubes
            if t.type.needs_processing
            and (barcodes or times or t.status == SpecimenStatus.COLLECTED)
        ]
        if not tubes:
            raise OrderStatusConflict(
                f"Order {order.code} has no collected tubes that need processing."
            )
        changes = {}
        for tube in tubes:
            when = times.get(tube.barcode, processed_at)
            if when is None:
                raise InvalidInput(
                    f"Give processed_at for {tube.barcode}.", errors={"processed_at": ["Required."]}
                )
            changes[tube.barcode] = _processing(tube, when, centrifuge)
        transition_many(
            tubes,
            CustodyKind.PROCESSED,
            actor=actor,
            ref=order.code,
            changes=lambda tube: changes[tube.barcode],
            details=lambda tube: {
                key: changes[tube.barcode][key] for key in ("centrifuge", "qc_flags")
            },
        )
        record_step(order, step, actor=actor, reason="processed")
    return order


def _processing(tube: Specimen, processed_at: datetime, centrifuge: str) -> dict:
    """The checked field values that record ``tube``'s processing, with its QC flags."""
    check_not_future(processed_at, field="processed_at")
    if tube.collected_at and processed_at <= tube.collected_at:
        raise ProcessingBeforeCollection(
            f"Tube {tube.barcode} was collected at {tube.collected_at:%H:%M} UTC; processing at "
            f"{processed_at:%H:%M} UTC would be at or before it.",
            errors={"processed_at": ["At or before collection."]},
        )
    if centrifuge and tube.type.centrifuge and centrifuge != tube.type.centrifuge:
        raise CentrifugeMismatch(
            f"{tube.type.code} is spun in a {tube.type.get_centrifuge_display().lower()} "
            "centrifuge; use the matching tube code for the other centrifuge.",
            errors={"centrifuge": ["Does not match the tube code."]},
        )
    flags = list(tube.qc_flags)
    if _outside_window(tube, processed_at) and QCFlag.PROCESSING_WINDOW not in flags:
        flags.append(QCFlag.PROCESSING_WINDOW)
    return {
        "processed_at": processed_at,
        "qc_flags": flags,
        "centrifuge": centrifuge or tube.type.centrifuge,
    }


def _outside_window(tube: Specimen, processed_at: datetime) -> bool:
    if tube.collected_at is None:
        return False
    minutes = (processed_at - tube.collected_at).total_seconds() / 60
    low, high = tube.type.min_processing_minutes, tube.type.max_processing_minutes
    return (low is not None and minutes < low) or (high is not None and minutes > high)


def order_finalize(*, actor: User, order: CollectionOrder) -> CollectionOrder:
    require_order_role(order, "finalize", actor=actor)
    with transaction.atomic():
        order, step = lock_order(order, "finalize", actor=actor)
        waiting = [
            t.barcode
            for t in order.specimens.select_related("type")
            if t.type.needs_processing and t.status == SpecimenStatus.COLLECTED
        ]
        if waiting:
            raise ProcessingIncomplete(
                f"Record processing of {', '.join(waiting)} before finalizing {order.code}."
            )
        record_step(order, step, actor=actor, reason="finalized")
    return order


def _listed_step(actor: User, order: CollectionOrder, action: str, choices, reason: str, text: str):
    """An order step that takes a reason from the program's fixed list (or 'other' with text)."""
    require_order_role(order, action, actor=actor)
    why = reason_from_list(choices, reason, text)
    with transaction.atomic():
        order, step = lock_order(order, action, actor=actor)
        record_step(order, step, actor=actor, reason=why, reason_code=reason, reason_text=text)
    return order


def order_cancel(
    *, actor: User, order: CollectionOrder, reason: str, reason_text: str = ""
) -> CollectionOrder:
    return _listed_step(actor, order, "cancel", CancelReason, reason, reason_text)


def order_restore(
    *, actor: User, order: CollectionOrder, reason: str, reason_text: str = ""
) -> CollectionOrder:
    """Undo a cancellation (never for a withdrawn participant): back to the status it had."""
    return _listed_step(actor, order, "restore", RestoreReason, reason, reason_text)


def order_unlock(
    *, actor: User, order: CollectionOrder, reason: str, reason_text: str = ""
) -> CollectionOrder:
    """Reopen a finalized order for amendment; it must be finalized again afterwards."""
    return _listed_step(actor, order, "unlock", UnlockReason, reason, reason_text)

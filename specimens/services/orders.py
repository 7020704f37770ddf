"""Collection orders: create, finalize; cancel, restore, unlock; add and remove tubes."""

from collections.abc import Iterable

from django.db import transaction

from barcode_printing.ids import parse_id
from lims.audit import said
from lims.choices import Role, SiteKind
from lims.models import Site, User
from lims.scoping import require_role
from specimens import custody, selectors
from specimens.choices import (
    CancelReason,
    Consent,
    CustodyKind,
    DisposalReason,
    OrderAction,
    RestoreReason,
    SampleKind,
    SpecimenStatus,
    UnlockReason,
)
from specimens.errors import (
    NotACollectionSite,
    NoTubes,
    ParticipantWithdrawn,
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
from specimens.services.checks import reason_from_list

# The pre-draw safety answers an order keeps.
SAFETY = ("donated_blood_past_week", "transfusion_past_6_months", "fainting_history")


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
        record_step(order, CREATE, actor=actor, reason=said("order created"))
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
    custody.save_with_event(
        specimen,
        actor=actor,
        reason=said(f"labeled for {order.code}"),
        kind=CustodyKind.LABELED,
        site=order.site,
        ref=order.code,
        details={"type": tube.code},
    )
    return specimen


def order_tubes(order: CollectionOrder, barcodes: list[str] | None) -> list[Specimen]:
    """The order's tubes named by ``barcodes`` (default: all), locked; a tube of another order
    is refused by name. Every tube of the order is locked, in one statement: the order's own
    lock already makes its steps one at a time. They are left on ``order.tubes`` too, as an
    order read with its tubes holds them, so that the step's answer reads them again from
    memory (``selectors.order_scan_answer``)."""
    tubes = order.tubes = selectors.locked_order_tubes(order)
    if barcodes is None:
        return tubes
    wanted = {parse_id(code) for code in barcodes}
    found = [tube for tube in tubes if tube.barcode in wanted]
    missing = sorted(wanted - {s.barcode for s in found})
    if missing:
        raise TubeNotInOrder(
            f"{', '.join(missing)} not in order {order.code}.",
            errors={"barcodes": [f"Not in this order: {', '.join(missing)}."]},
        )
    return found


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
        record_step(order, step, actor=actor, reason=said("finalized"))
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


def order_add_tubes(
    *, actor: User, order: CollectionOrder, tube_codes: list[str]
) -> list[Specimen]:
    """Add tubes to an unlocked order, from its tube set and within its safety answers: each
    gets a new ID, a ``labeled`` event and an ``amended`` one saying why."""
    require_order_role(order, "add_tubes", actor=actor)
    with transaction.atomic():
        order, step = lock_order(order, "add_tubes", actor=actor)
        types = _order_types(tube_codes, order.tube_set)
        refusals = safety_refusals(types, {answer: getattr(order, answer) for answer in SAFETY})
        if refusals:
            raise SafetyCheckRefusesTube("; ".join(refusals) + ".", errors={"tubes": refusals})
        why = amendment_reason(order)
        barcodes = allocate_specimen_ids(len(types))
        added = [
            _label(actor, order, code, tube) for code, tube in zip(barcodes, types, strict=True)
        ]
        transition_many(
            added,
            CustodyKind.AMENDED,
            actor=actor,
            reason=why,
            ref=order.code,
            details={"reason": why, "changes": {"order": {"old": None, "new": order.code}}},
        )
        record_step(order, step, actor=actor, reason=why)
    return added


def order_remove_tubes(
    *, actor: User, order: CollectionOrder, barcodes: list[str]
) -> list[Specimen]:
    """Take tubes that were never really drawn or processed off an unlocked order: each gets an
    ``amended`` event saying why, and is disposed as an accessioning error (it stays on record)."""
    require_order_role(order, "remove_tubes", actor=actor)
    with transaction.atomic():
        order, step = lock_order(order, "remove_tubes", actor=actor)
        tubes = order_tubes(order, barcodes)
        why = amendment_reason(order)
        transition_many(
            tubes,
            CustodyKind.AMENDED,
            actor=actor,
            reason=why,
            ref=order.code,
            details={"reason": why, "changes": {"order": {"old": order.code, "new": None}}},
        )
        transition_many(
            tubes,
            CustodyKind.DISPOSED,
            actor=actor,
            reason=why,
            ref=order.code,
            details={"reason": DisposalReason.ACCESSIONING_ERROR, "reason_text": why},
        )
        record_step(order, step, actor=actor, reason=why)
    return tubes


def amendment_reason(order: CollectionOrder) -> str:
    """Why an unlocked order is being changed: the reason its unlock gave."""
    unlocked = order.events.filter(action=OrderAction.UNLOCKED).latest("at", "pk")
    label = UnlockReason(unlocked.reason_code).label
    reason = f"{label}: {unlocked.reason_text}" if unlocked.reason_text else label
    return f"amended after unlock ({reason})"

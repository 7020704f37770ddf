"""Every write of the specimen core; each runs in one transaction and leaves custody and history.

Functions take the acting user and plain values, check the actor's role, and raise a domain
error with a stable code when they cannot do what was asked.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from barcode_printing.ids import parse_id
from lims.audit import stamp
from lims.choices import Role, SiteKind
from lims.credentials import PasswordCheck
from lims.errors import Conflict, DomainError, InvalidInput
from lims.free_text import require_reason, screen
from lims.models import Site, User
from lims.scoping import require_role
from specimens import custody, signatures
from specimens.choices import (
    CancelReason,
    Consent,
    CustodyKind,
    DisposalReason,
    QCFlag,
    RestoreReason,
    SampleKind,
    SignatureMeaning,
    SpecimenStatus,
    UnlockReason,
)
from specimens.identifiers import allocate_order_code, allocate_specimen_ids
from specimens.labels import print_order_labels
from specimens.lifecycle import ParticipantWithdrawn, check_step, transition, transition_many
from specimens.models import (
    CollectionOrder,
    Participant,
    Specimen,
    SpecimenType,
    TubeSet,
)
from specimens.order_lifecycle import (
    CREATE,
    OrderStatusConflict,
    lock_order,
    record_step,
    require_order_role,
)

# The program refuses any time more than five minutes ahead of the server clock.
FUTURE_TOLERANCE = timedelta(minutes=5)
WITHDRAWAL_HOLD = "consent withdrawn: destruction requested"
# No tube in the catalog with its contents weighs more; a larger figure is a misread or a typo.
MAX_WEIGHT_G = Decimal(2000)


class TimeInFuture(InvalidInput):
    code = "time_in_future"
    title = "Time lies in the future"


class ProcessingBeforeCollection(InvalidInput):
    code = "processing_before_collection"
    title = "Processing time is at or before collection"


class UnknownTubeCode(InvalidInput):
    code = "unknown_tube_code"
    title = "Unknown tube code"


class TubeNotInSet(InvalidInput):
    code = "tube_not_in_tube_set"
    title = "Tube is not in the tube set in force"


class SafetyCheckRefusesTube(InvalidInput):
    code = "safety_check_refuses_tube"
    title = "The safety check rules out these tubes"


class NoTubes(InvalidInput):
    code = "no_tubes"
    title = "An order needs at least one tube"


class TubeNotInOrder(InvalidInput):
    code = "tube_not_in_order"
    title = "Tube does not belong to this order"


class InvalidReason(InvalidInput):
    code = "invalid_reason"
    title = "Reason not on the list"


class ProcessingIncomplete(Conflict):
    code = "processing_incomplete"
    title = "Tubes still need processing"


class CentrifugeMismatch(InvalidInput):
    code = "centrifuge_mismatch"
    title = "Tube code and centrifuge disagree"


class ParticipantExists(Conflict):
    code = "participant_exists"
    title = "Participant already registered"


class NotACollectionSite(InvalidInput):
    code = "not_a_collection_site"
    title = "Only collection sites register participants and create orders"


class InsufficientVolume(InvalidInput):
    code = "insufficient_volume"
    title = "Not enough volume left"


class WeightOutOfRange(InvalidInput):
    code = "weight_out_of_range"
    title = "Weight outside the plausible range"


class WeightNotStable(InvalidInput):
    code = "weight_not_stable"
    title = "The balance reading was not stable"


class NotADerivativeType(InvalidInput):
    code = "not_a_derivative_type"
    title = "Aliquots take a derivative type"


# --- shared checks ----------------------------------------------------------------------------


def check_not_future(value: datetime, *, field: str) -> datetime:
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise TimeInFuture(
            f"The {field.replace('_', ' ')} {value:%Y-%m-%d %H:%M} UTC lies in the future; "
            "check the clock and enter the real time.",
            errors={field: ["In the future."]},
        )
    return value


def reason_from_list(choices, code: str, text: str = "", *, field: str = "reason") -> str:
    """'Label: text' for a reason chosen from a fixed list; 'other' needs text."""
    if code not in choices.values:
        raise InvalidReason(
            f"'{code}' is not one of: {', '.join(choices.values)}.",
            errors={field: ["Not on the list."]},
        )
    text = screen(text, field=f"{field}_text")
    if code == "other" and not text:
        raise InvalidReason(
            "Reason 'other' needs a few words saying what happened.",
            errors={f"{field}_text": ["Required with 'other'."]},
        )
    label = choices(code).label
    return f"{label}: {text}" if text else label


# --- participants -----------------------------------------------------------------------------


def participant_register(*, actor, participant_id: str, site: Site) -> Participant:
    require_role(actor, site, Role.PHLEBOTOMIST, action="register participants")
    if site.kind != SiteKind.COLLECTION:
        raise NotACollectionSite(f"{site.code} is not a collection site.")
    for _attempt in range(10):
        participant = Participant(
            participant_id=participant_id,
            registered_site=site,
            biobank_id=f"B{secrets.randbelow(10**9):09d}",
        )
        try:
            with transaction.atomic():
                stamp(participant, actor=actor, reason="registered").save()
            return participant
        except IntegrityError:
            if Participant.objects.filter(participant_id=participant_id).exists():
                raise ParticipantExists(f"{participant_id} is already registered.") from None
    raise RuntimeError("no free biobank ID after 10 random draws")


def participant_withdraw(
    *, actor, participant: Participant, destroy_samples: bool, ceremony: str, reason: str
) -> Participant:
    """Record a withdrawal (never reversed); with destruction, hold every specimen at once."""
    site = participant.registered_site
    require_role(actor, site, Role.PHLEBOTOMIST, action="record a withdrawal")
    reason = require_reason(reason, action="record this withdrawal")
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.consent == Consent.WITHDRAWN:
            raise ParticipantWithdrawn(
                f"Participant {participant.biobank_id} already withdrew on "
                f"{participant.withdrawn_at:%Y-%m-%d}; a withdrawal cannot be changed."
            )
        participant.consent = Consent.WITHDRAWN
        participant.withdrawn_at = timezone.now()
        participant.destroy_samples = destroy_samples
        participant.ceremony = ceremony if destroy_samples else ""
        stamp(participant, actor=actor, reason=reason).save()
        if destroy_samples:
            _hold_for_destruction(actor, participant, site, reason)
    return participant


def _hold_for_destruction(actor, participant: Participant, site: Site, reason: str) -> None:
    specimens = participant.specimens.exclude(status=SpecimenStatus.DISPOSED).lock()
    held = [specimen for specimen in specimens if specimen.on_hold]
    for specimen in held:
        specimen.disposal_due = True
    Specimen.objects.bulk_update_with_history(held, ["disposal_due"], actor=actor, reason=reason)
    transition_many(
        [specimen for specimen in specimens if not specimen.on_hold],
        CustodyKind.HELD,
        actor=actor,
        reason=reason,
        site=site,
        ref=participant.biobank_id,
        details={"withdrawal": True},
        changes={"hold_reason": WITHDRAWAL_HOLD, "disposal_due": True},
    )


# --- orders -----------------------------------------------------------------------------------


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
    actor,
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


def _label(actor, order: CollectionOrder, barcode: str, tube: SpecimenType) -> Specimen:
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
    actor,
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
    actor,
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


def order_finalize(*, actor, order: CollectionOrder) -> CollectionOrder:
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


def _listed_step(actor, order: CollectionOrder, action: str, choices, reason: str, text: str):
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


# --- specimens --------------------------------------------------------------------------------


def specimen_hold(*, actor, specimen: Specimen, reason: str) -> Specimen:
    reason = require_reason(reason, action="put this tube on hold")
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        transition(
            specimen,
            CustodyKind.HELD,
            actor=actor,
            reason=reason,
            details={"reason": reason},
            changes={"hold_reason": reason},
        )
    return specimen


def specimen_release(*, actor, specimen: Specimen, reason: str) -> Specimen:
    reason = require_reason(reason, action="release this tube")
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        transition(
            specimen,
            CustodyKind.RELEASED,
            actor=actor,
            reason=reason,
            details={"reason": reason},
            changes={"hold_reason": ""},
        )
    return specimen


def specimen_dispose(
    *,
    actor,
    specimen: Specimen,
    reason: str,
    reason_text: str = "",
    password: str,
    check: PasswordCheck,
    witness: str = "",
    witness_password: str = "",
) -> Specimen:
    """Dispose for good, signed by the actor (password re-entered) and optionally a witness,
    an active biobank technician or site admin where the tube is. ``check`` checks passwords
    as a sign-in does, so guesses are counted and locked out."""
    why = reason_from_list(DisposalReason, reason, reason_text)
    # Outside the transaction: a refusal must not roll back the failures the lockout counted.
    signatures.confirm_signer(actor, password, check=check)
    witness_user = (
        signatures.authenticate_witness(actor, witness, witness_password, check=check)
        if witness
        else None
    )
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        if witness:
            witness_user = signatures.confirm_witness(witness_user, specimen.current_site)
        event = transition(
            specimen,
            CustodyKind.DISPOSED,
            actor=actor,
            reason=why,
            details={"reason": reason, "reason_text": reason_text},
            changes={"disposal_due": False},
        )
        signatures.sign(event, actor, SignatureMeaning.PERFORMED)
        if witness:
            signatures.sign(event, witness_user, SignatureMeaning.WITNESSED)
    return specimen


def specimen_aliquot(
    *, actor, specimen: Specimen, count: int, type_code: str, volume_ul: int
) -> list[Specimen]:
    """Split ``count`` aliquots of ``volume_ul`` off ``specimen``; it is depleted when empty."""
    derivative = SpecimenType.objects.filter(code=type_code).first()
    if derivative is None or derivative.kind != SampleKind.DERIVATIVE:
        raise NotADerivativeType(
            f"'{type_code}' is not a derivative type for aliquots.",
            errors={"type": ["Not a derivative type."]},
        )
    with transaction.atomic():
        (parent,) = Specimen.objects.lock(specimen)
        remaining = parent.volume_ul
        if remaining is None:
            remaining = int(parent.type.nominal_volume_ml * 1000)
        needed = count * volume_ul
        if needed > remaining:
            raise InsufficientVolume(
                f"Tube {parent.barcode} has {remaining} µL left; "
                f"{count} × {volume_ul} µL needs {needed} µL."
            )
        children = allocate_specimen_ids(count)
        transition(
            parent,
            CustodyKind.ALIQUOTED,
            actor=actor,
            details={"children": children, "volume_ul": volume_ul},
            changes={"volume_ul": remaining - needed},
        )
        made = [_aliquot(actor, parent, barcode, derivative, volume_ul) for barcode in children]
        if parent.volume_ul == 0:
            transition(parent, CustodyKind.DEPLETED, actor=actor, details={"by": "aliquoting"})
    return made


def _aliquot(
    actor, parent: Specimen, barcode: str, derivative: SpecimenType, volume_ul: int
) -> Specimen:
    child = Specimen(
        barcode=barcode,
        type=derivative,
        participant=parent.participant,
        parent=parent,
        order=parent.order,
        collection_site=parent.collection_site,
        current_site=parent.current_site,
        status=SpecimenStatus.RECEIVED,
        volume_ul=volume_ul,
        collected_at=parent.collected_at,
    )
    event = custody.chain(
        child,
        kind=CustodyKind.ALIQUOTED,
        actor=actor,
        site=parent.current_site,
        ref=parent.barcode,
        details={"parent": parent.barcode, "volume_ul": volume_ul},
    )
    stamp(child, actor=actor, reason=f"aliquot of {parent.barcode}").save()
    event.save()
    return child


@dataclass(frozen=True, slots=True)
class Weighing:
    """One stable balance reading of one tube, with the balance that gave it."""

    specimen: Specimen
    grams: Decimal
    device: str = ""


def specimen_weigh(*, actor, specimen: Specimen, grams: Decimal, device: str) -> Specimen:
    """Record a weight with its device as provenance; urine and saliva get the volume it implies."""
    (answer,) = specimens_weigh(actor=actor, weighings=[Weighing(specimen, grams, device)])
    if isinstance(answer, DomainError):
        raise answer
    return answer


def specimens_weigh(*, actor, weighings: list[Weighing]) -> list[Specimen | DomainError]:
    """Record a station's weighings at once: each is checked on its own, those that pass are
    written together in scan order, and the answer for each is its tube or the error that
    refused it (a refused weighing changes nothing). A tube is weighed at most once a call."""
    if len({weighing.specimen.pk for weighing in weighings}) != len(weighings):
        raise ValueError("each tube may be weighed once per call")
    answers: list[Specimen | DomainError | None] = [None] * len(weighings)
    readings: dict[int, dict] = {}
    for index, weighing in enumerate(weighings):
        try:
            readings[index] = _reading(weighing)
        except DomainError as error:
            answers[index] = error
    with transaction.atomic():
        pks = [weighings[index].specimen.pk for index in readings]
        locked = {tube.pk: tube for tube in Specimen.objects.filter(pk__in=pks).lock()}
        passed: dict[int, dict] = {}
        for index, reading in readings.items():
            tube = answers[index] = locked[weighings[index].specimen.pk]
            try:
                check_step(tube, CustodyKind.WEIGHED, actor=actor)
            except DomainError as error:
                answers[index] = error
            else:
                passed[tube.pk] = reading
        transition_many(
            [locked[pk] for pk in passed],
            CustodyKind.WEIGHED,
            actor=actor,
            details=lambda tube: passed[tube.pk],
            changes=lambda tube: _weight_changes(tube, Decimal(passed[tube.pk]["grams"])),
        )
    return answers


def _reading(weighing: Weighing) -> dict:
    """The custody details of a plausible reading, or the error that refuses it."""
    grams = weighing.grams
    if not Decimal(0) < grams <= MAX_WEIGHT_G:
        raise WeightOutOfRange(
            f"{grams} g is not a tube's weight: expected more than 0 and at most {MAX_WEIGHT_G} g.",
            errors={"grams": ["Out of range."]},
        )
    return {"grams": str(grams), "device": screen(weighing.device, field="device")}


def _weight_changes(tube: Specimen, grams: Decimal) -> dict:
    changes = {"weight_g": grams}
    density = tube.type.density_g_per_ml
    if density:
        volume = (grams / density * 1000).quantize(Decimal(1), ROUND_HALF_UP)
        changes["volume_ul"] = int(volume)
    return changes

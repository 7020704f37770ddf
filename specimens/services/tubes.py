"""What a user does to one tube: hold, release, dispose (signed) and aliquot."""

from django.db import transaction

from lims import notes
from lims.audit import said
from lims.credentials import PasswordCheck
from lims.free_text import require_reason
from lims.models import User
from specimens import custody, signatures
from specimens.choices import (
    CustodyKind,
    DisposalReason,
    SampleKind,
    SignatureMeaning,
    SpecimenStatus,
)
from specimens.errors import (
    DerivativeNotAllowed,
    InsufficientVolume,
    NotADerivativeType,
)
from specimens.identifiers import allocate_specimen_ids
from specimens.lifecycle import check_step, transition
from specimens.models import Specimen, SpecimenType
from specimens.services.checks import reason_from_list


def specimen_hold(*, actor: User, specimen: Specimen, reason: str) -> Specimen:
    """Put a tube on hold. The reason typed is kept as a note the tube refers to (its
    ``hold_reason`` holds ``note:<digest>``), so that it can be redacted (docs/custody.md)."""
    reason = require_reason(reason, action="put this tube on hold")

    def changes(tube: Specimen) -> dict:
        # Called once the step is allowed: a refused hold leaves no note behind.
        return {"hold_reason": notes.refer(reason, subject=f"{tube.barcode}:hold_reason")}

    return _set_hold(actor, specimen, CustodyKind.HELD, reason, changes=changes)


def specimen_release(*, actor: User, specimen: Specimen, reason: str) -> Specimen:
    reason = require_reason(reason, action="release this tube")
    return _set_hold(actor, specimen, CustodyKind.RELEASED, reason, changes={"hold_reason": ""})


def _set_hold(actor: User, specimen: Specimen, kind: str, reason: str, *, changes):
    with transaction.atomic():
        (specimen,) = Specimen.objects.lock(specimen)
        transition(
            specimen,
            kind,
            actor=actor,
            reason=reason,
            details={"reason": reason},
            changes=changes,
        )
    return specimen


def specimen_dispose(
    *,
    actor: User,
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
    *, actor: User, specimen: Specimen, count: int, type_code: str, volume_ul: int
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
        # Who may aliquot, and whether this tube may be, before what it may yield.
        check_step(parent, CustodyKind.ALIQUOTED, actor=actor)
        _check_derivative(parent, derivative)
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


def _check_derivative(parent: Specimen, derivative: SpecimenType) -> None:
    """The catalog says which derivatives a tube's type yields; anything else is refused."""
    allowed = sorted(parent.type.yields.values_list("code", flat=True))
    if derivative.code not in allowed:
        offer = f"it yields {', '.join(allowed)}" if allowed else "it yields no aliquots"
        raise DerivativeNotAllowed(
            f"Tube {parent.barcode} is {parent.type.code}: {offer}, not {derivative.code}.",
            errors={"type": [f"Not a derivative of {parent.type.code}."]},
        )


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
    custody.save_with_event(
        child,
        actor=actor,
        reason=said(f"aliquot of {parent.barcode}"),
        kind=CustodyKind.ALIQUOTED,
        site=parent.current_site,
        ref=parent.barcode,
        details={"parent": parent.barcode, "volume_ul": volume_ul},
    )
    return child

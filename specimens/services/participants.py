"""Registering participants and recording their withdrawal (never reversed)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from lims.audit import said, stamp
from lims.choices import Role, SiteKind
from lims.free_text import require_reason
from lims.integrity import broken_constraint
from lims.models import Site, User
from lims.scoping import require_role
from specimens.choices import (
    Consent,
    CustodyKind,
    SpecimenStatus,
)
from specimens.errors import (
    NotACollectionSite,
    ParticipantExists,
    ParticipantWithdrawn,
)
from specimens.lifecycle import transition_many
from specimens.models import (
    Participant,
    Specimen,
)

WITHDRAWAL_HOLD = said("consent withdrawn: destruction requested")


def participant_register(*, actor: User, participant_id: str, site: Site) -> Participant:
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
                stamp(participant, actor=actor, reason=said("registered")).save()
            return participant
        except IntegrityError as error:
            broken = broken_constraint(error, participant)
            if broken == "participant_id":
                raise ParticipantExists(f"{participant_id} is already registered.") from None
            if broken != "biobank_id":
                raise
            # The random biobank ID is taken: draw another.
    raise RuntimeError("no free biobank ID after 10 random draws")


def participant_withdraw(
    *, actor: User, participant: Participant, destroy_samples: bool, ceremony: str, reason: str
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


def _hold_for_destruction(actor: User, participant: Participant, site: Site, reason: str) -> None:
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

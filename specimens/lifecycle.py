"""The specimen status machine (ARCHITECTURE §2) as one table, and the one guard that applies it.

Every change of a specimen goes through ``transition()``: it checks the table, the hold, the
participant's consent and the actor's role at the right site, then updates the specimen and
appends its custody event in the caller's transaction. Nothing else decides.
"""

from dataclasses import dataclass

from django.utils import timezone

from lims.audit import said
from lims.choices import Role
from lims.errors import Conflict, Forbidden
from lims.models import Site, User
from lims.scoping import scope_of
from lims.sql import insert_rows, together
from specimens import custody
from specimens.choices import CustodyKind as K
from specimens.choices import SpecimenStatus as S
from specimens.errors import (
    DisposalDue,
    ParticipantWithdrawn,
    SpecimenDisposed,
    SpecimenOnHold,
    TransitionNotAllowed,
    TypeNotProcessed,
)
from specimens.models import CustodyEvent, Specimen

COLLECTION = frozenset({Role.PHLEBOTOMIST})
BIOBANK = frozenset({Role.BIOBANK_TECHNICIAN})
ANY_HANDLER = COLLECTION | BIOBANK
NOT_DISPOSED = frozenset(S) - {S.DISPOSED}
AT_BIOBANK = frozenset({S.RECEIVED, S.STORED, S.CHECKED_OUT})


@dataclass(frozen=True)
class Rule:
    """``kind`` may happen to a specimen in one of ``sources``, leaving it in ``target``
    (None: unchanged), done by one of ``roles`` at the specimen's current site (or the site the
    service names, such as the receiving biobank). ``only_processed_types`` and
    ``only_unprocessed_types`` limit the rule to tube types that are (not) processed."""

    kind: str
    sources: frozenset
    target: str | None
    roles: frozenset
    only_processed_types: bool = False
    only_unprocessed_types: bool = False
    blocked_by_destruction: bool = False


TABLE: tuple[Rule, ...] = (
    Rule(K.COLLECTED, frozenset({S.LABELED}), S.COLLECTED, COLLECTION),
    # The program processes SST and PST tubes; urine, saliva, EDTA and the rest have none.
    Rule(K.PROCESSED, frozenset({S.COLLECTED}), S.PROCESSED, COLLECTION, only_processed_types=True),
    Rule(K.WEIGHED, frozenset({S.COLLECTED, S.PROCESSED}) | AT_BIOBANK, None, ANY_HANDLER),
    Rule(K.PACKED, frozenset({S.PROCESSED}), S.PACKED, COLLECTION, blocked_by_destruction=True),
    Rule(
        K.PACKED,
        frozenset({S.COLLECTED}),
        S.PACKED,
        COLLECTION,
        only_unprocessed_types=True,
        blocked_by_destruction=True,
    ),
    Rule(K.UNPACKED, frozenset({S.PACKED}), S.COLLECTED, COLLECTION),
    Rule(K.UNPACKED, frozenset({S.PACKED}), S.PROCESSED, COLLECTION),
    Rule(K.DISPATCHED, frozenset({S.PACKED}), S.IN_TRANSIT, COLLECTION),
    Rule(K.RECEIVED, frozenset({S.IN_TRANSIT, S.MISSING}), S.RECEIVED, BIOBANK),
    Rule(K.MISSING, frozenset({S.IN_TRANSIT}), S.MISSING, BIOBANK),
    Rule(K.STORED, frozenset({S.RECEIVED}), S.STORED, BIOBANK),
    Rule(K.MOVED, frozenset({S.STORED}), None, BIOBANK),
    Rule(K.RETRIEVED, frozenset({S.STORED}), S.CHECKED_OUT, BIOBANK),
    Rule(K.RETURNED, frozenset({S.CHECKED_OUT}), S.STORED, BIOBANK),
    Rule(K.ALIQUOTED, AT_BIOBANK, None, BIOBANK, blocked_by_destruction=True),
    Rule(K.DEPLETED, AT_BIOBANK, S.DEPLETED, BIOBANK),
    Rule(
        K.DISTRIBUTED,
        frozenset({S.STORED, S.CHECKED_OUT}),
        S.DISTRIBUTED,
        BIOBANK,
        blocked_by_destruction=True,
    ),
    Rule(K.HELD, NOT_DISPOSED, None, ANY_HANDLER),
    Rule(K.RELEASED, NOT_DISPOSED, None, ANY_HANDLER),
    Rule(K.DISPOSED, NOT_DISPOSED, S.DISPOSED, ANY_HANDLER),
    Rule(K.QC_FLAGGED, NOT_DISPOSED, None, ANY_HANDLER),
    # An unlocked order's tubes, before they leave the site: times re-entered, added, removed.
    Rule(K.AMENDED, frozenset({S.LABELED, S.COLLECTED, S.PROCESSED}), None, COLLECTION),
)

# Every role that may take a step from some state.
_ROLES = {
    kind: frozenset().union(*(rule.roles for rule in TABLE if rule.kind == kind)) for kind in K
}

# What a tube on hold may still go through: release and disposal, and the custody facts of a
# shipment under way (taken out before dispatch, received or found missing at the biobank),
# which record where the tube is rather than use it, and a QC finding, which records its state.
ALLOWED_ON_HOLD = frozenset(
    {K.RELEASED, K.DISPOSED, K.UNPACKED, K.RECEIVED, K.MISSING, K.QC_FLAGGED}
)

# The name of each step as a user's action (API ``actions``, buttons). Amendments and QC flags
# are not: they come through the order or the finding (a logger's excursion) they belong to.
ACTIONS = {
    K.COLLECTED: "collect",
    K.PROCESSED: "process",
    K.WEIGHED: "weigh",
    K.PACKED: "pack",
    K.UNPACKED: "unpack",
    K.DISPATCHED: "dispatch",
    K.RECEIVED: "receive",
    K.MISSING: "mark_missing",
    K.STORED: "store",
    K.MOVED: "move",
    K.RETRIEVED: "retrieve",
    K.RETURNED: "return",
    K.ALIQUOTED: "aliquot",
    K.DEPLETED: "deplete",
    K.DISTRIBUTED: "distribute",
    K.HELD: "hold",
    K.RELEASED: "release",
    K.DISPOSED: "dispose",
}
# Steps that happen where the tube arrives (the receiving biobank), not where it is now.
AT_DESTINATION = frozenset({K.RECEIVED, K.MISSING})

_VERB = {
    K.COLLECTED: "collected",
    K.PROCESSED: "processed",
    K.WEIGHED: "weighed",
    K.PACKED: "packed",
    K.UNPACKED: "taken out of its shipment",
    K.DISPATCHED: "dispatched",
    K.RECEIVED: "received",
    K.MISSING: "marked missing",
    K.STORED: "stored",
    K.MOVED: "moved",
    K.RETRIEVED: "retrieved",
    K.RETURNED: "returned to storage",
    K.ALIQUOTED: "aliquoted",
    K.DEPLETED: "marked depleted",
    K.DISTRIBUTED: "distributed",
    K.HELD: "put on hold",
    K.RELEASED: "released",
    K.DISPOSED: "disposed",
    K.QC_FLAGGED: "flagged for QC",
    K.AMENDED: "amended",
}


_RULES = {kind: tuple(rule for rule in TABLE if rule.kind == kind) for kind in K}
# The statuses each step may start from: from any other it is refused, whatever else holds.
_SOURCES = {kind: frozenset().union(*(rule.sources for rule in _RULES[kind])) for kind in K}


def rules_for(kind: str) -> tuple[Rule, ...]:
    return _RULES[kind]


def find_rule(specimen: Specimen, kind: str, target: str | None = None) -> Rule:
    """The table's rule for doing ``kind`` to ``specimen`` now, or the 409 that explains why not."""
    label = f"Tube {specimen.barcode}"
    if specimen.status == S.DISPOSED:
        raise SpecimenDisposed(f"{label} was disposed; nothing more can be done with it.")
    if specimen.on_hold and kind not in ALLOWED_ON_HOLD:
        raise SpecimenOnHold(
            f"{label} is on hold ({specimen.hold_text}); "
            f"it cannot be {_VERB[kind]} until it is released."
        )
    if kind == K.HELD and specimen.on_hold:
        raise SpecimenOnHold(f"{label} is already on hold ({specimen.hold_text}).")
    if kind == K.RELEASED and not specimen.on_hold:
        raise TransitionNotAllowed(f"{label} is not on hold; there is nothing to release.")
    if kind == K.RELEASED and specimen.disposal_due:
        raise DisposalDue(
            f"{label} is held because participant {specimen.participant.biobank_id} asked for "
            "destruction; it can only be disposed."
        )
    rules = rules_for(kind)
    # Before the state: a tube whose type has no processing never will, whatever its status.
    if rules and all(r.only_processed_types for r in rules) and not specimen.type.needs_processing:
        raise TypeNotProcessed(
            f"{label} is a {specimen.type.code} tube ({specimen.type.name}), which is not "
            "processed: there is no processing to record for it."
        )
    for rule in rules:
        if specimen.status not in rule.sources or (target and rule.target != target):
            continue
        if rule.only_unprocessed_types and specimen.type.needs_processing:
            continue
        if rule.blocked_by_destruction and specimen.participant.destruction_requested:
            raise ParticipantWithdrawn(
                f"{label}: participant {specimen.participant.biobank_id} withdrew and asked for "
                f"their samples to be destroyed; it cannot be {_VERB[kind]}."
            )
        return rule
    raise TransitionNotAllowed(_not_allowed_sentence(specimen, kind))


def _not_allowed_sentence(specimen: Specimen, kind: str) -> str:
    status = S(specimen.status).label.lower()
    sentence = f"Tube {specimen.barcode} is {status}; it cannot be {_VERB[kind]} now."
    if kind == K.PACKED and specimen.status == S.COLLECTED:
        sentence += f" A {specimen.type.code} tube must be processed before it is packed."
    return sentence


def require_handler(actor: User, specimen: Specimen, kind: str, roles, site: Site) -> None:
    if not scope_of(actor).has_role(site.pk, roles):
        names = " or ".join(sorted(Role(role).label.lower() for role in roles))
        raise Forbidden(
            f"Only a {names} at {site.code} may have tube {specimen.barcode} {_VERB[kind]}."
        )


def check_step(
    specimen: Specimen,
    kind: str,
    *,
    actor: User,
    site: Site | None = None,
    target: str | None = None,
) -> Rule:
    """The rule that lets ``actor`` do ``kind`` to ``specimen`` at ``site`` (default: where the
    tube is), or the error that says why not. Changes nothing."""
    where = site or specimen.current_site
    # Permission before state: who may never take this step is told so, not the tube's state.
    require_handler(actor, specimen, kind, _ROLES[kind], where)
    rule = find_rule(specimen, kind, target)
    require_handler(actor, specimen, kind, rule.roles, where)
    return rule


def allowed_actions(specimen: Specimen, user: User) -> list[str]:
    """The actions ``user`` may take on ``specimen`` now, by the table, the hold, the consent
    and the user's role where the step happens. No query when the specimen's type and
    participant are loaded."""
    scope = scope_of(user)
    allowed = []
    for kind, action in ACTIONS.items():
        if specimen.status not in _SOURCES[kind]:
            # find_rule would refuse it: asking costs an exception and its sentence.
            continue
        try:
            rule = find_rule(specimen, kind)
        except (Conflict, TypeNotProcessed):
            continue
        if kind in AT_DESTINATION:
            permitted = bool(scope.sites_with_role(rule.roles) & scope.biobank_site_ids)
        else:
            permitted = scope.has_role(specimen.current_site_id, rule.roles)
        if permitted or scope.is_superuser:
            allowed.append(action)
    return allowed


# Columns every step writes: the status and the head of the custody chain.
_STEP_FIELDS = ("status", "custody_seq", "custody_head")


def transition(specimen: Specimen, kind: str, **options) -> CustodyEvent:
    """Apply ``kind`` to one locked specimen; see ``transition_many``."""
    return transition_many([specimen], kind, **options)[0]


def transition_many(
    specimens: list[Specimen],
    kind: str,
    *,
    actor: User,
    reason: str = "",
    site: Site | None = None,
    target: str | None = None,
    ref: str = "",
    details: dict | None = None,
    changes=None,
    at=None,
) -> list[CustodyEvent]:
    """Apply ``kind`` to ``specimens`` (locked by the caller): check each, update, append custody.

    ``site`` is where the step happens (default: each specimen's current site). ``changes`` are
    field values saved with the new status once every check has passed; ``changes`` and
    ``details`` may be a dict or a function of the specimen returning one. All tubes are
    checked before any is written, and the writes are one statement on PostgreSQL whatever their
    number.
    """
    at = at or timezone.now()
    events = []
    fields = set(_STEP_FIELDS)
    for specimen in specimens:
        rule = check_step(specimen, kind, actor=actor, site=site, target=target)
        where = site or specimen.current_site
        values = changes(specimen) if callable(changes) else changes
        notes = details(specimen) if callable(details) else details
        for field, value in (values or {}).items():
            setattr(specimen, field, value)
            fields.add(field)
        if rule.target:
            specimen.status = rule.target
        events.append(
            custody.chain(
                specimen, kind=kind, actor=actor, site=where, ref=ref, details=notes, at=at
            )
        )
    # The tubes, their history and their custody go together (one statement on PostgreSQL),
    # with whatever else the caller's ``together`` block writes.
    with together(Specimen.objects.db):
        Specimen.objects.bulk_update_with_history(
            specimens, sorted(fields), actor=actor, reason=reason or said(_VERB[kind])
        )
        return insert_rows(CustodyEvent, events, using=CustodyEvent.objects.db)

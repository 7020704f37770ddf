"""The shipment status machine (ARCHITECTURE §2) as one table, and the one guard that applies it.

packing → dispatched → arrived → closed, or cancelled while packing. Each action names the
states it may start from, the role that may take it and at which end of the journey (the
origin packs and dispatches, the destination records arrival and receipt), what it leaves
the shipment in and which custody kind it writes on the tubes, and the refusal (code and
sentence) for every other state. Services call ``check`` after locking the shipment;
``allowed_actions`` answers the same table for buttons and the API's ``actions``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lims.choices import Role
from lims.errors import DomainError
from lims.models import User
from lims.scoping import require_role, scope_of
from shipments.choices import ShipmentAction as A
from shipments.choices import ShipmentStatus as S
from shipments.errors import (
    ShipmentAlreadyArrived,
    ShipmentCancelled,
    ShipmentClosed,
    ShipmentDispatched,
    ShipmentNotArrived,
    ShipmentNotDispatched,
)
from shipments.models import Shipment
from specimens.choices import CustodyKind as K

ORIGIN, DESTINATION = "origin", "destination"


def when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "earlier"


@dataclass(frozen=True)
class Refusal:
    """The error raised for an action tried in a state it may not start from. ``sentence`` is
    formatted with the shipment's ``code``, ``origin``, ``status`` and the times it was
    ``dispatched``, ``arrived`` and ``closed``."""

    error: type[DomainError]
    sentence: str

    def error_for(self, shipment: Shipment) -> DomainError:
        return self.error(
            self.sentence.format(
                code=shipment.code,
                origin=shipment.origin.code,
                status=S(shipment.status).label.lower(),
                dispatched=when(shipment.dispatched_at),
                arrived=when(shipment.arrived_at),
                closed=when(shipment.closed_at),
            )
        )


@dataclass(frozen=True)
class Rule:
    """``action`` may start from one of ``sources``, taken by a ``role`` at the shipment's
    ``end`` (its origin or destination site). It leaves the shipment ``target`` (None:
    unchanged) stamping the ``stamped`` ``<name>_at``/``<name>_by`` columns, and writes a
    ``custody`` event of that kind on each tube it moves (None: no tube changes status)."""

    action: str
    sources: frozenset
    role: str
    end: str
    doing: str
    refusals: Mapping[str, Refusal]
    target: str | None = None
    stamped: str | None = None
    custody: str | None = None

    def __post_init__(self) -> None:
        unexplained = frozenset(S) - self.sources - set(self.refusals)
        if unexplained:
            raise ValueError(f"{self.action} has no refusal for {sorted(unexplained)}")


_CONTENTS_FIXED = Refusal(
    ShipmentDispatched,
    "Shipment {code} was dispatched {dispatched}; its contents can no longer change.",
)
NOT_PACKING = {
    S.DISPATCHED: _CONTENTS_FIXED,
    S.ARRIVED: _CONTENTS_FIXED,
    S.CLOSED: _CONTENTS_FIXED,
    S.CANCELLED: Refusal(ShipmentCancelled, "Shipment {code} was cancelled; start a new one."),
}
_CANCELLED_BEFORE_DISPATCH = Refusal(
    ShipmentCancelled, "Shipment {code} was cancelled before dispatch."
)
_NOT_ARRIVED = Refusal(
    ShipmentNotArrived, "Shipment {code} is {status}: record its arrival before scanning tubes in."
)
NOT_RECEIVING = {
    S.PACKING: _NOT_ARRIVED,
    S.DISPATCHED: _NOT_ARRIVED,
    S.CLOSED: Refusal(ShipmentClosed, "The receipt of shipment {code} was closed {closed}."),
    S.CANCELLED: _CANCELLED_BEFORE_DISPATCH,
}
_ARRIVED_ALREADY = Refusal(
    ShipmentAlreadyArrived, "The arrival of shipment {code} was recorded {arrived}."
)
_NEVER_DISPATCHED = Refusal(
    ShipmentNotDispatched, "Shipment {code} was never dispatched; there is no transit to log."
)

PACKER = {"role": Role.PHLEBOTOMIST, "end": ORIGIN}
RECEIVER = {"role": Role.BIOBANK_TECHNICIAN, "end": DESTINATION}

TABLE: tuple[Rule, ...] = (
    Rule(
        A.ADD_ITEM,
        frozenset({S.PACKING}),
        **PACKER,
        doing="pack this shipment",
        refusals=NOT_PACKING,
        custody=K.PACKED,
    ),
    Rule(
        A.REMOVE_ITEM,
        frozenset({S.PACKING}),
        **PACKER,
        doing="unpack this shipment",
        refusals=NOT_PACKING,
        custody=K.UNPACKED,
    ),
    Rule(
        A.CANCEL,
        frozenset({S.PACKING}),
        **PACKER,
        doing="cancel this shipment",
        refusals=NOT_PACKING,
        target=S.CANCELLED,
        custody=K.UNPACKED,
    ),
    Rule(
        A.DISPATCH,
        frozenset({S.PACKING}),
        **PACKER,
        doing="dispatch this shipment",
        refusals=NOT_PACKING,
        target=S.DISPATCHED,
        stamped="dispatched",
        custody=K.DISPATCHED,
    ),
    Rule(
        A.ARRIVE,
        frozenset({S.DISPATCHED}),
        **RECEIVER,
        doing="receive this shipment",
        refusals={
            S.PACKING: Refusal(
                ShipmentNotDispatched, "Shipment {code} is still being packed at {origin}."
            ),
            S.ARRIVED: _ARRIVED_ALREADY,
            S.CLOSED: _ARRIVED_ALREADY,
            S.CANCELLED: _CANCELLED_BEFORE_DISPATCH,
        },
        target=S.ARRIVED,
        stamped="arrived",
    ),
    # A closed receipt still takes the tubes it marked missing (stragglers), nothing else.
    Rule(
        A.RECEIVE,
        frozenset({S.ARRIVED, S.CLOSED}),
        **RECEIVER,
        doing="receive this shipment",
        refusals=NOT_RECEIVING,
        custody=K.RECEIVED,
    ),
    Rule(
        A.RECORD_UNEXPECTED,
        frozenset({S.ARRIVED}),
        **RECEIVER,
        doing="receive this shipment",
        refusals=NOT_RECEIVING,
    ),
    Rule(
        A.CLOSE,
        frozenset({S.ARRIVED}),
        **RECEIVER,
        doing="close this receipt",
        refusals=NOT_RECEIVING,
        target=S.CLOSED,
        stamped="closed",
        custody=K.MISSING,
    ),
    Rule(
        A.UPLOAD_LOGGER,
        frozenset({S.DISPATCHED, S.ARRIVED, S.CLOSED}),
        **RECEIVER,
        doing="record this shipment's logger",
        refusals={S.PACKING: _NEVER_DISPATCHED, S.CANCELLED: _NEVER_DISPATCHED},
    ),
)
RULES = {rule.action: rule for rule in TABLE}


def lock(shipment: Shipment) -> Shipment:
    """The shipment's row, locked until the transaction ends: two people packing, dispatching
    or receiving one shipment take turns, and each sees the status the other left."""
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("origin", "destination")
        .get(pk=shipment.pk)
    )


def check(shipment: Shipment, action: str, *, actor: User) -> Rule:
    """The rule that lets ``actor`` take ``action`` on ``shipment`` now: 403 unless the actor
    holds the rule's role at the right end, then the state's refusal. Changes nothing."""
    rule = RULES[action]
    require_role(actor, getattr(shipment, rule.end), rule.role, action=rule.doing)
    if shipment.status not in rule.sources:
        raise rule.refusals[shipment.status].error_for(shipment)
    return rule


def advance(shipment: Shipment, rule: Rule, *, actor: User, at: datetime) -> None:
    """Put the rule's target status and its ``<stamped>_at``/``_by`` on ``shipment`` (unsaved)."""
    shipment.status = rule.target
    if rule.stamped:
        setattr(shipment, f"{rule.stamped}_at", at)
        setattr(shipment, f"{rule.stamped}_by", actor)


def allowed_actions(shipment: Shipment, user: User) -> list[str]:
    """The actions ``user`` may take on ``shipment`` now, in table order; no query (the user's
    scope is computed once per user instance)."""
    scope = scope_of(user)
    return [
        rule.action
        for rule in TABLE
        if shipment.status in rule.sources
        and scope.has_role(getattr(shipment, f"{rule.end}_id"), {rule.role})
    ]

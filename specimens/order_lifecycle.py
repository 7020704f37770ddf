"""The collection order's lifecycle (ARCHITECTURE §2) as one table, and the guard that applies it.

Every step of an order goes through ``lock_order`` (the rule that allows it, checked on the
locked row) and ``record_step`` (the new status, the history row and the order event in the
caller's transaction). ``allowed_actions`` answers the same table for buttons and the API.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from lims.choices import Role
from lims.errors import Forbidden
from lims.models import User
from lims.scoping import scope_of
from lims.sql import insert_rows, together
from specimens.choices import Consent
from specimens.choices import OrderAction as A
from specimens.choices import OrderStatus as O
from specimens.errors import OrderStatusConflict, ParticipantWithdrawn, TypeNotProcessed
from specimens.models import CollectionOrder, OrderEvent

COLLECTION = frozenset({Role.PHLEBOTOMIST})
LIVE = frozenset(O) - {O.CANCELLED}


def _before_cancel(order: CollectionOrder) -> str:
    return order.status_before_cancel


@dataclass(frozen=True)
class OrderRule:
    """``action`` may be taken on an order in one of ``sources`` by one of ``roles`` at the
    order's site. It appends an order event ``writes`` and leaves the order in ``target``: a
    status, or a function of the order for the steps that return to an earlier status.
    ``needs_processed_tube``: only for an order holding a tube whose type is processed."""

    action: str
    sources: frozenset
    target: str | Callable[[CollectionOrder], str]
    writes: str
    doing: str
    roles: frozenset = COLLECTION
    blocked_by_withdrawal: bool = False
    needs_processed_tube: bool = False


# Creation starts from no order; ``services.order_create`` checks the role at the site.
CREATE = OrderRule("create", frozenset(), O.OPEN, A.CREATED, "created")
TABLE: tuple[OrderRule, ...] = (
    CREATE,
    OrderRule("collect", frozenset({O.OPEN, O.COLLECTED}), O.COLLECTED, A.COLLECTED, "collected"),
    OrderRule(
        "process",
        frozenset({O.COLLECTED, O.PROCESSED}),
        O.PROCESSED,
        A.PROCESSED,
        "processed",
        needs_processed_tube=True,
    ),
    # Unlocked, collecting and processing amend: times are re-entered, new tubes recorded.
    OrderRule("collect", frozenset({O.UNLOCKED}), O.UNLOCKED, A.AMENDED, "collected"),
    OrderRule(
        "process",
        frozenset({O.UNLOCKED}),
        O.UNLOCKED,
        A.AMENDED,
        "processed",
        needs_processed_tube=True,
    ),
    OrderRule(
        "add_tubes",
        frozenset({O.UNLOCKED}),
        O.UNLOCKED,
        A.AMENDED,
        "amended",
        blocked_by_withdrawal=True,
    ),
    OrderRule(
        "remove_tubes",
        frozenset({O.UNLOCKED}),
        O.UNLOCKED,
        A.AMENDED,
        "amended",
    ),
    OrderRule(
        "finalize",
        frozenset({O.COLLECTED, O.PROCESSED, O.UNLOCKED}),
        O.FINALIZED,
        A.FINALIZED,
        "finalized",
    ),
    OrderRule("cancel", LIVE, O.CANCELLED, A.CANCELLED, "cancelled"),
    OrderRule(
        "restore",
        frozenset({O.CANCELLED}),
        _before_cancel,
        A.RESTORED,
        "restored",
        blocked_by_withdrawal=True,
    ),
    OrderRule("unlock", frozenset({O.FINALIZED}), O.UNLOCKED, A.UNLOCKED, "unlocked"),
)
ACTIONS = tuple(dict.fromkeys(rule.action for rule in TABLE))


def rule_for(order: CollectionOrder, action: str) -> OrderRule | None:
    for rule in TABLE:
        if rule.action == action and order.status in rule.sources:
            return rule
    return None


def require_order_role(order: CollectionOrder, action: str, *, actor: User) -> None:
    """403 unless ``actor`` holds a role at the order's site that may take ``action``; checked
    before the input, so that a user who may not act never learns what else was wrong."""
    roles = next(rule.roles for rule in TABLE if rule.action == action)
    if not scope_of(actor).has_role(order.site_id, roles):
        names = " or ".join(sorted(Role(role).label.lower() for role in roles))
        raise Forbidden(f"Only a {names} at {order.site.code} may {action} orders.")


def check_order_step(order: CollectionOrder, action: str, *, actor: User) -> OrderRule:
    """The rule that lets ``actor`` take ``action`` on ``order`` now, or the 403/409 that says
    why not. Changes nothing."""
    require_order_role(order, action, actor=actor)
    rule = rule_for(order, action)
    if rule is None:
        doing = next(rule.doing for rule in TABLE if rule.action == action)
        hint = " Unlock it first to amend it." if order.status == O.FINALIZED else ""
        raise OrderStatusConflict(
            f"Order {order.code} is {O(order.status).label.lower()}; it cannot be {doing}.{hint}"
        )
    if _withdrawal_blocks(order, rule):
        raise ParticipantWithdrawn(
            f"Participant {order.participant.biobank_id} withdrew; order {order.code} "
            f"cannot be {rule.doing}."
        )
    if _no_processed_tube(order, rule):
        raise TypeNotProcessed(
            f"Order {order.code} holds no tube whose type is processed (urine, saliva and "
            "whole-blood tubes are not): there is nothing to process."
        )
    return rule


def _withdrawal_blocks(order: CollectionOrder, rule: OrderRule) -> bool:
    return rule.blocked_by_withdrawal and order.participant.consent == Consent.WITHDRAWN


def _no_processed_tube(order: CollectionOrder, rule: OrderRule) -> bool:
    return rule.needs_processed_tube and not _holds_processed_tube(order)


def _holds_processed_tube(order: CollectionOrder) -> bool:
    """From the tubes the API (``tubes``) or a page (its prefetched ``specimens``) loaded with
    the order, else in one query (a step reloads the order under its lock without them)."""
    loaded = getattr(order, "tubes", None)
    if loaded is None:
        loaded = getattr(order, "_prefetched_objects_cache", {}).get("specimens")
    if loaded is not None:
        return any(tube.type.needs_processing for tube in loaded)
    return order.specimens.filter(type__needs_processing=True).exists()


def lock_order(
    order: CollectionOrder, action: str, *, actor: User, locked: bool = False
) -> tuple[CollectionOrder, OrderRule]:
    """Lock and reload ``order`` (unless the caller already holds its lock: ``locked``) and
    check ``action`` on the locked row (a concurrent step may have moved it since it was
    read)."""
    if not locked:
        order = (
            CollectionOrder.objects.select_for_update(of=("self",))
            .select_related("site", "participant")
            .get(pk=order.pk)
        )
    return order, check_order_step(order, action, actor=actor)


def record_step(
    order: CollectionOrder,
    rule: OrderRule,
    *,
    actor: User,
    reason: str,
    reason_code: str = "",
    reason_text: str = "",
) -> None:
    """Move ``order`` to the rule's target, save it with its history and append the step: who,
    where, when, in which zone, and why."""
    target = rule.target(order) if callable(rule.target) else rule.target
    if rule.action == "cancel":
        order.status_before_cancel = order.status
    elif rule.action == "restore":
        order.status_before_cancel = ""
    order.status = target
    event = OrderEvent(
        order=order,
        action=rule.writes,
        actor=actor,
        site=order.site,
        at=timezone.now(),
        time_zone=order.site.time_zone,
        reason_code=reason_code,
        reason_text=reason_text,
    )
    # Held with the step's other writes when the caller writes them together (lims.sql).
    with together(CollectionOrder.objects.db):
        CollectionOrder.objects.save_with_history(order, actor=actor, reason=reason)
        insert_rows(OrderEvent, [event], using=OrderEvent.objects.db)


def allowed_actions(order: CollectionOrder, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, in the table's order (no query when the
    participant and the tubes with their types are loaded with the order)."""
    scope = scope_of(user)
    allowed = []
    for action in ACTIONS:
        rule = rule_for(order, action)
        if rule is None or not scope.has_role(order.site_id, rule.roles):
            continue
        if not (_withdrawal_blocks(order, rule) or _no_processed_tube(order, rule)):
            allowed.append(action)
    return allowed

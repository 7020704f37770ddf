"""Collecting and processing an order's tubes, with the program's time rules and QC flags.

On an unlocked order the same steps amend: a tube already collected or processed gets its time
re-entered with an ``amended`` custody event saying what changed, who, when and why.
"""

from datetime import datetime

from django.db import transaction

from barcode_printing.ids import parse_id
from lims.audit import said
from lims.errors import InvalidInput
from lims.free_text import screen
from lims.models import User
from lims.sql import step_transaction, together
from specimens import qc
from specimens.choices import CustodyKind, OrderStatus
from specimens.choices import SpecimenStatus as S
from specimens.errors import CentrifugeMismatch, OrderStatusConflict, ProcessingBeforeCollection
from specimens.lifecycle import transition_many
from specimens.models import CollectionOrder, Specimen
from specimens.order_lifecycle import lock_order, record_step, require_order_role
from specimens.services.checks import check_recorded_time
from specimens.services.orders import amendment_reason, order_tubes


def order_collect(
    *,
    actor: User,
    order: CollectionOrder,
    collected_at: datetime,
    barcodes: list[str] | None = None,
    notes: str = "",
    locked: bool = False,
) -> CollectionOrder:
    """Record the draw: the given tubes (default: every labeled tube) become collected. On an
    unlocked order, tubes already collected (by default all) take the new time instead.
    ``locked``: the caller holds the order's row lock in its transaction; the order it gave is
    the one changed."""
    require_order_role(order, "collect", actor=actor)
    check_recorded_time(collected_at, field="collected_at")
    notes = screen(notes, field="notes")
    with step_transaction(locked=locked):
        order, step = lock_order(order, "collect", actor=actor, locked=locked)
        amending = order.status == OrderStatus.UNLOCKED
        tubes = order_tubes(order, barcodes)
        if barcodes is None:
            tubes = [t for t in tubes if t.status == S.LABELED or (amending and _drawn(t))]
        if not tubes:
            raise OrderStatusConflict(f"Order {order.code} has no labeled tubes left to collect.")
        new = [t for t in tubes if not amending or t.status == S.LABELED]
        redone = [t for t in tubes if t not in new]
        why = amendment_reason(order) if amending else ""
        changes = {t.barcode: _recollection(t, collected_at) for t in redone}
        # The tubes' steps and the order's go together: one statement on PostgreSQL.
        with together():
            transition_many(
                new,
                CustodyKind.COLLECTED,
                actor=actor,
                ref=order.code,
                details={"notes": notes} if notes else {},
                changes={"collected_at": collected_at},
                reason=notes,
            )
            _amend(actor, order, redone, changes, why)
            record_step(order, step, actor=actor, reason=why or notes or said("collected"))
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
    """Record processing of the collected tubes that need it, with the program's time rules. On
    an unlocked order, processed tubes (by default all) take the new time instead."""
    require_order_role(order, "process", actor=actor)
    times = {parse_id(code): value for code, value in (times or {}).items()}
    with transaction.atomic():
        order, step = lock_order(order, "process", actor=actor)
        amending = order.status == OrderStatus.UNLOCKED
        named = bool(barcodes or times)
        # A named tube is the lifecycle's to refuse (a urine tube is not processed); unnamed,
        # the collected tubes that need it are meant.
        tubes = [
            t
            for t in order_tubes(order, barcodes or list(times) or None)
            if named
            or (
                t.type.needs_processing
                and (t.status == S.COLLECTED or (amending and t.status == S.PROCESSED))
            )
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
        # Only a processed tube is re-timed by an amendment; any other goes through the
        # lifecycle's processing step, which refuses a tube never collected.
        redone = [t for t in tubes if amending and t.status == S.PROCESSED]
        new = [t for t in tubes if t not in redone]
        why = amendment_reason(order) if amending else ""
        transition_many(
            new,
            CustodyKind.PROCESSED,
            actor=actor,
            ref=order.code,
            changes=lambda tube: changes[tube.barcode],
            details=lambda tube: _processing_details(tube, changes[tube.barcode]),
        )
        _amend(actor, order, redone, changes, why)
        record_step(order, step, actor=actor, reason=why or said("processed"))
    return order


def _drawn(tube: Specimen) -> bool:
    return tube.status in (S.COLLECTED, S.PROCESSED)


def _recollection(tube: Specimen, collected_at: datetime) -> dict:
    """The checked field values of a re-entered collection time, with the QC flags it implies."""
    if tube.processed_at and tube.processed_at <= collected_at:
        raise ProcessingBeforeCollection(
            f"Tube {tube.barcode} was processed at {tube.processed_at:%H:%M} UTC; collection at "
            f"{collected_at:%H:%M} UTC would be at or after it. Re-enter the processing time too.",
            errors={"collected_at": ["At or after processing."]},
        )
    changes = {"collected_at": collected_at}
    if tube.processed_at:
        changes["qc_flags"] = processing_flags(tube, collected_at, tube.processed_at)
    return changes


def _processing(tube: Specimen, processed_at: datetime, centrifuge: str) -> dict:
    """The checked field values that record ``tube``'s processing, with its QC flags."""
    check_recorded_time(processed_at, field="processed_at")
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
    return {
        "processed_at": processed_at,
        "qc_flags": processing_flags(tube, tube.collected_at, processed_at),
        "centrifuge": centrifuge or tube.type.centrifuge,
    }


def _processing_details(tube: Specimen, changes: dict) -> dict:
    """What a processed event records: the centrifuge, the QC flags and, when the draw time is
    known, the minutes from collection that decided them."""
    details = {key: changes[key] for key in ("centrifuge", "qc_flags")}
    if tube.collected_at:
        details["minutes_after_collection"] = qc.minutes_between(
            tube.collected_at, changes["processed_at"]
        )
    return details


def processing_flags(tube: Specimen, collected_at: datetime | None, processed_at) -> list[str]:
    """``tube``'s QC flags with those of its processing time decided anew."""
    flags = [flag for flag in tube.qc_flags if flag not in qc.PROCESSING_FLAGS]
    if collected_at is not None:
        flag = qc.processing_flag(tube.type, qc.minutes_between(collected_at, processed_at))
        if flag:
            flags.append(flag)
    return flags


def _amend(actor: User, order: CollectionOrder, tubes: list[Specimen], changes, why) -> None:
    """Save each tube's re-entered values with an ``amended`` event naming old and new."""
    transition_many(
        tubes,
        CustodyKind.AMENDED,
        actor=actor,
        reason=why,
        ref=order.code,
        details=lambda tube: _amendment_details(tube, changes[tube.barcode], why),
        changes=lambda tube: changes[tube.barcode],
    )


def _amendment_details(tube: Specimen, values: dict, why: str) -> dict:
    details = {
        "reason": why,
        "changes": {
            field: {"old": _plain(getattr(tube, field)), "new": _plain(value)}
            for field, value in values.items()
            if getattr(tube, field) != value
        },
    }
    collected = values.get("collected_at", tube.collected_at)
    processed = values.get("processed_at", tube.processed_at)
    if collected and processed:
        details["minutes_after_collection"] = qc.minutes_between(collected, processed)
    return details


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value

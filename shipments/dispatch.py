"""Dispatch: a packed shipment goes to the courier, its contents frozen, every tube in transit."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lims.audit import said, stamp
from lims.free_text import screen
from lims.models import User
from shipments.choices import Condition, Courier
from shipments.choices import ShipmentAction as A
from shipments.errors import DryIceMass, ShipmentEmpty
from shipments.lifecycle import advance, check, lock
from shipments.models import Shipment
from shipments.tracking import normalise_tracking
from specimens.lifecycle import transition_many
from specimens.models import Specimen

MAX_DRY_ICE_KG = Decimal(200)


def shipment_dispatch(
    *,
    actor: User,
    shipment: Shipment,
    courier: str,
    tracking_number: str,
    dry_ice_kg: Decimal | None = None,
    logger_id: str = "",
) -> Shipment:
    """Hand the shipment to the courier: contents frozen, every tube ``in_transit``, at once."""
    tracking = normalise_tracking(courier, tracking_number)
    logger_id = screen(logger_id, field="logger_id")
    with transaction.atomic():
        shipment = lock(shipment)
        rule = check(shipment, A.DISPATCH, actor=actor)
        _check_dry_ice(shipment, dry_ice_kg)
        specimens = Specimen.objects.filter(
            shipment_items__shipment=shipment, shipment_items__open=True
        ).lock()
        if not specimens:
            raise ShipmentEmpty(f"Shipment {shipment.code} has no tubes: pack tubes first.")
        now = timezone.now()
        advance(shipment, rule, actor=actor, at=now)
        shipment.courier = courier
        shipment.tracking_number = tracking
        shipment.dry_ice_kg = dry_ice_kg
        shipment.logger_id = logger_id
        transition_many(
            specimens,
            rule.custody,
            actor=actor,
            ref=shipment.code,
            at=now,
            details={
                "courier": courier,
                "tracking_number": tracking,
                "condition": shipment.condition,
                "destination": shipment.destination.code,
            },
        )
        why = said(f"dispatched with {Courier(courier).label}")
        stamp(shipment, actor=actor, reason=why).save()
    return shipment


def _check_dry_ice(shipment: Shipment, dry_ice_kg: Decimal | None) -> None:
    if shipment.condition == Condition.DRY_ICE:
        if dry_ice_kg is None or not Decimal(0) < dry_ice_kg <= MAX_DRY_ICE_KG:
            raise DryIceMass(
                f"Shipment {shipment.code} travels on dry ice: give the net dry-ice mass in kg "
                f"(more than 0, at most {MAX_DRY_ICE_KG}) for the UN1845 marking.",
                errors={"dry_ice_kg": ["Required for dry ice."]},
            )
    elif dry_ice_kg is not None:
        raise DryIceMass(
            f"Shipment {shipment.code} travels "
            f"{Condition(shipment.condition).label.lower()}, not on dry ice.",
            errors={"dry_ice_kg": ["Only for dry-ice shipments."]},
        )

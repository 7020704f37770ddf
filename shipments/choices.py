"""Enumerations of shipments: statuses, transport conditions, couriers and receipt outcomes."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from specimens.choices import TemperatureClass


class ShipmentStatus(models.TextChoices):
    PACKING = "packing", "Packing"
    DISPATCHED = "dispatched", "Dispatched"
    ARRIVED = "arrived", "Arrived"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Condition(models.TextChoices):
    AMBIENT = "ambient", "Ambient 15–25 °C"
    REFRIGERATED = "refrigerated", "Refrigerated 2–8 °C"
    FROZEN = "frozen", "Frozen ≤ −20 °C"
    DRY_ICE = "dry_ice", "Dry ice −78 °C (UN1845)"
    DRY_SHIPPER = "dry_shipper", "Liquid-nitrogen dry shipper ≤ −150 °C"


class Courier(models.TextChoices):
    FEDEX = "fedex", "FedEx"
    UPS = "ups", "UPS"
    INTERNAL = "internal", "Internal courier"
    OTHER = "other", "Other"


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", "Not yet scanned"
    RECEIVED = "received", "Received"
    DAMAGED = "damaged", "Received damaged"
    MISSING = "missing", "Missing"
    REMOVED = "removed", "Taken out before dispatch"


class DiscrepancyKind(models.TextChoices):
    UNEXPECTED = "unexpected", "Not on the manifest"
    DAMAGED = "damaged", "Damaged in transit"
    MISSING = "missing", "Not received"


@dataclass(frozen=True)
class Range:
    """The temperatures a condition promises, in °C; None is unbounded."""

    low: Decimal | None
    high: Decimal | None

    def contains(self, celsius: Decimal) -> bool:
        return (self.low is None or celsius >= self.low) and (
            self.high is None or celsius <= self.high
        )

    def __str__(self) -> str:
        if self.low is None:
            return f"≤ {self.high} °C"
        return f"{self.low}–{self.high} °C"


# REFERENCE §7: ambient 15 to 25 °C, refrigerated 2 to 8 °C, frozen at or below -20 °C, dry
# ice at or below -70 °C, vapour-phase nitrogen at or below -150 °C.
RANGES = {
    Condition.AMBIENT: Range(Decimal(15), Decimal(25)),
    Condition.REFRIGERATED: Range(Decimal(2), Decimal(8)),
    Condition.FROZEN: Range(None, Decimal(-20)),
    Condition.DRY_ICE: Range(None, Decimal(-70)),
    Condition.DRY_SHIPPER: Range(None, Decimal(-150)),
}

# Which conditions keep a tube of each storage class as it must be kept. The program ships
# every primary tube refrigerated; saliva kits are stable at room temperature; frozen
# derivatives must stay frozen, ultra-cold ones at -70 °C or below.
FITTING_CONDITIONS = {
    TemperatureClass.AMBIENT: frozenset({Condition.AMBIENT, Condition.REFRIGERATED}),
    TemperatureClass.REFRIGERATED: frozenset({Condition.REFRIGERATED}),
    TemperatureClass.FROZEN: frozenset(
        {Condition.FROZEN, Condition.DRY_ICE, Condition.DRY_SHIPPER}
    ),
    TemperatureClass.ULTRA_COLD: frozenset({Condition.DRY_ICE, Condition.DRY_SHIPPER}),
    TemperatureClass.VAPOUR_NITROGEN: frozenset({Condition.DRY_SHIPPER}),
}


class ShipmentAction(models.TextChoices):
    """What can be done to a shipment; ``shipments.lifecycle`` says from which state, by whom."""

    ADD_ITEM = "add_item", "Pack a tube"
    REMOVE_ITEM = "remove_item", "Take a tube out"
    CANCEL = "cancel", "Cancel"
    DISPATCH = "dispatch", "Dispatch"
    ARRIVE = "arrive", "Record arrival"
    RECEIVE = "receive", "Receive tubes"
    RECORD_UNEXPECTED = "record_unexpected", "Record a tube not on the manifest"
    CLOSE = "close", "Close the receipt"
    UPLOAD_LOGGER = "upload_logger", "Upload the logger file"


class UnpackReason(models.TextChoices):
    DAMAGED = "damaged", "Tube damaged while packing"
    WRONG_CONDITION = "wrong_condition", "Belongs in a shipment of another condition"
    ORDER_AMENDED = "order_amended", "Its order is being amended"
    OTHER = "other", "Other (say what)"


class ShipmentCancelReason(models.TextChoices):
    CREATED_IN_ERROR = "created_in_error", "Shipment created in error"
    PICKUP_CANCELLED = "pickup_cancelled", "Courier pickup cancelled"
    OTHER = "other", "Other (say what)"

"""Shipments, the tubes packed in them, receipt discrepancies and transit temperature evidence."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from lims.audit import AuditedQuerySet, LimsHistory
from lims.models import Site
from lims.scoping import Scope, scope_of
from shipments.choices import Condition, Courier, DiscrepancyKind, ReceiptStatus, ShipmentStatus
from specimens.models import Specimen

SHIPMENT_CODE = r"^SH-\d{5,}$"
# Statuses in which the courier, tracking number and dispatch time are fixed facts.
AFTER_DISPATCH = [ShipmentStatus.DISPATCHED, ShipmentStatus.ARRIVED, ShipmentStatus.CLOSED]


def _valid(field: str, choices, name: str, *, blank: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__in": choices.values})
    if blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


class ShipmentQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.for_scope(scope_of(user))

    def for_scope(self, scope: Scope):
        return scope.filter(self, "origin", "destination")


class Shipment(models.Model):
    """One consignment from a collection site to the biobank, from packing to closed receipt."""

    code = models.CharField(max_length=16, unique=True)
    origin = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=16, choices=Condition.choices)
    status = models.CharField(
        max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PACKING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    courier = models.CharField(max_length=16, choices=Courier.choices, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)
    dry_ice_kg = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    logger_id = models.CharField(max_length=64, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrival_temperature_c = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True
    )
    arrival_condition_ok = models.BooleanField(null=True, blank=True)
    arrival_notes = models.CharField(max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ShipmentQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            _valid("status", ShipmentStatus, "shipment_status_valid"),
            _valid("condition", Condition, "shipment_condition_valid"),
            _valid("courier", Courier, "shipment_courier_valid", blank=True),
            models.CheckConstraint(condition=Q(code__regex=SHIPMENT_CODE), name="shipment_code"),
            models.CheckConstraint(
                condition=~Q(origin=models.F("destination")), name="shipment_goes_somewhere"
            ),
            models.CheckConstraint(
                condition=Q(dry_ice_kg__isnull=True)
                | Q(condition=Condition.DRY_ICE, dry_ice_kg__gt=0),
                name="shipment_dry_ice_mass",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=AFTER_DISPATCH)
                | (
                    ~Q(courier="")
                    & ~Q(tracking_number="")
                    & Q(dispatched_at__isnull=False, dispatched_by__isnull=False)
                ),
                name="shipment_dispatch_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ShipmentStatus.ARRIVED, ShipmentStatus.CLOSED])
                | Q(arrived_at__isnull=False, arrived_by__isnull=False),
                name="shipment_arrival_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "origin"]),
            models.Index(fields=["status", "destination"]),
        ]

    def __str__(self) -> str:
        return self.code


class ShipmentItemQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return scope_of(user).filter(self, "shipment__origin", "shipment__destination")


class ShipmentItem(models.Model):
    """One tube on a shipment's manifest, with where it sits and what the receiver found.

    ``open`` stays true from packing until the tube is taken out or the receipt is closed; the
    database lets a tube be open in one shipment only.
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="items")
    specimen = models.ForeignKey(Specimen, on_delete=models.PROTECT, related_name="shipment_items")
    inner_box = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.CharField(max_length=8, blank=True)
    open = models.BooleanField(default=True)
    receipt_status = models.CharField(
        max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transit_minutes = models.PositiveIntegerField(null=True, blank=True)

    objects = ShipmentItemQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["shipment_id", "inner_box", "position", "pk"]
        constraints = [
            _valid("receipt_status", ReceiptStatus, "shipment_item_receipt_valid"),
            models.UniqueConstraint(
                fields=["specimen"], condition=Q(open=True), name="tube_in_one_open_shipment"
            ),
            models.UniqueConstraint(
                fields=["shipment", "inner_box", "position"],
                condition=Q(open=True) & ~Q(position=""),
                name="shipment_position_unique",
            ),
            models.CheckConstraint(
                condition=~Q(open=True, receipt_status=ReceiptStatus.REMOVED),
                name="shipment_item_removed_is_closed",
            ),
            models.CheckConstraint(
                condition=Q(position="") | Q(inner_box__isnull=False),
                name="shipment_item_position_in_box",
            ),
        ]
        indexes = [models.Index(fields=["shipment", "receipt_status"])]

    def __str__(self) -> str:
        return f"{self.shipment_id}:{self.specimen_id}"


class DiscrepancyQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return scope_of(user).filter(self, "shipment__origin", "shipment__destination")


class Discrepancy(models.Model):
    """Something the receiver found that the manifest did not promise; resolved, never erased."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="discrepancies")
    kind = models.CharField(max_length=16, choices=DiscrepancyKind.choices)
    barcode = models.CharField(max_length=10)
    specimen = models.ForeignKey(
        Specimen, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The tube's last custody event when it was found, so the receiver sees where it should be.
    last_custody = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_ref = models.CharField(max_length=200, blank=True)

    objects = DiscrepancyQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            _valid("kind", DiscrepancyKind, "discrepancy_kind_valid"),
            models.UniqueConstraint(
                fields=["shipment", "barcode", "kind"], name="discrepancy_once_per_tube"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution_ref=""),
                name="discrepancy_resolution_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind} {self.barcode}"


class TemperatureLog(models.Model):
    """A shipment's data-logger file as uploaded, with what it shows; append-only evidence."""

    append_only = True

    shipment = models.OneToOneField(
        Shipment, on_delete=models.PROTECT, related_name="temperature_log"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    content = models.TextField()
    readings = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    min_c = models.DecimalField(max_digits=5, decimal_places=1)
    max_c = models.DecimalField(max_digits=5, decimal_places=1)

    def __str__(self) -> str:
        return f"{self.shipment_id} logger"


class Excursion(models.Model):
    """A stretch of readings outside the shipment condition's range."""

    append_only = True

    log = models.ForeignKey(TemperatureLog, on_delete=models.PROTECT, related_name="excursions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    peak_c = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="excursion_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at}–{self.ended_at} peak {self.peak_c} °C"

    @property
    def duration_minutes(self) -> float:
        return (self.ended_at - self.started_at).total_seconds() / 60


class ReceiptTally(models.Model):
    """A shipment's manifest lines counted by receipt status, and its unexpected tubes: derived
    data kept by database triggers on every write of a line or a discrepancy, whatever wrote it
    (``shipments.tally``), so a receiving station's counts are one row's read, not a count of
    its manifest on every scan. Lines taken out before dispatch are not counted."""

    shipment = models.OneToOneField(
        Shipment, primary_key=True, on_delete=models.DO_NOTHING, related_name="tally"
    )
    pending = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    damaged = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    unexpected = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.shipment_id} tally"

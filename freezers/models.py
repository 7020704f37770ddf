"""Freezers, racks, boxes and placements: where each tube is kept, guarded by the database."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from freezers.choices import FillOrder, FreezerKind, FreezerStatus, PositionNaming, RackKind
from freezers.positions import Grid
from lims.audit import AuditedQuerySet, LimsHistory
from lims.models import Site
from lims.scoping import Scope, scope_of
from specimens.choices import TemperatureClass
from specimens.models import Specimen

CODE_FORMAT = r"^[A-Z0-9][A-Z0-9-]{1,31}$"
BOX_CODE_FORMAT = r"^BOX-\d{7}$"
PATH_SEPARATOR = "/"


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class BoxTypeQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.all()


class BoxType(models.Model):
    """A kind of box: its grid (a bag is one row of ``capacity`` slots), how slots are named and
    the order in which they fill, so that auto-filling matches the physical box."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=80)
    rows = models.PositiveSmallIntegerField()
    columns = models.PositiveSmallIntegerField()
    naming = models.CharField(max_length=16, choices=PositionNaming.choices)
    fill_order = models.CharField(max_length=8, choices=FillOrder.choices)
    is_bag = models.BooleanField(default=False)

    objects = BoxTypeQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["code"]
        constraints = [
            _choices_check("naming", PositionNaming, "box_type_naming_valid"),
            _choices_check("fill_order", FillOrder, "box_type_fill_order_valid"),
            models.CheckConstraint(
                condition=Q(rows__gte=1, columns__gte=1, columns__lte=999),
                name="box_type_grid_positive",
            ),
            # Row letters run A to Z.
            models.CheckConstraint(
                condition=~Q(naming=PositionNaming.LETTER_NUMBER) | Q(rows__lte=26),
                name="box_type_letter_rows_max_26",
            ),
            # A bag has no grid: one row of numbered slots up to its capacity.
            models.CheckConstraint(
                condition=Q(is_bag=False) | Q(rows=1, naming=PositionNaming.SEQUENTIAL),
                name="box_type_bag_is_one_numbered_row",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def grid(self) -> Grid:
        return Grid(self.rows, self.columns, self.naming, self.fill_order)

    @property
    def capacity(self) -> int:
        return self.rows * self.columns


class FreezerQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return scope_of(user).filter(self, "site")


class Freezer(models.Model):
    """A freezer (or refrigerator, or nitrogen tank) at a site, with its set point and band."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=FreezerKind.choices)
    temperature_class = models.CharField(max_length=16, choices=TemperatureClass.choices)
    set_point_c = models.DecimalField(max_digits=5, decimal_places=1)
    # Readings further than this from the set point are an excursion.
    tolerance_c = models.DecimalField(max_digits=4, decimal_places=1, default=5)
    status = models.CharField(
        max_length=16, choices=FreezerStatus.choices, default=FreezerStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FreezerQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=CODE_FORMAT), name="freezer_code_format"
            ),
            _choices_check("kind", FreezerKind, "freezer_kind_valid"),
            _choices_check("status", FreezerStatus, "freezer_status_valid"),
            _choices_check("temperature_class", TemperatureClass, "freezer_class_valid"),
            models.CheckConstraint(
                condition=Q(set_point_c__gte=-273, set_point_c__lte=40),
                name="freezer_set_point_range",
            ),
            models.CheckConstraint(condition=Q(tolerance_c__gt=0), name="freezer_tolerance_pos"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def band(self) -> tuple:
        return self.set_point_c - self.tolerance_c, self.set_point_c + self.tolerance_c


class RackQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return scope_of(user).filter(self, "freezer__site")


class Rack(models.Model):
    """A rack, shelf or canister in a freezer; optionally a grid of box slots."""

    freezer = models.ForeignKey(Freezer, on_delete=models.PROTECT, related_name="racks")
    name = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=RackKind.choices, default=RackKind.RACK)
    position = models.PositiveSmallIntegerField(help_text="Place in the freezer, from 1.")
    box_rows = models.PositiveSmallIntegerField(null=True, blank=True)
    box_columns = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = RackQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["freezer__code", "position"]
        constraints = [
            models.UniqueConstraint(fields=["freezer", "name"], name="rack_name_unique"),
            models.UniqueConstraint(fields=["freezer", "position"], name="rack_position_unique"),
            _choices_check("kind", RackKind, "rack_kind_valid"),
            models.CheckConstraint(condition=Q(position__gte=1), name="rack_position_min"),
            models.CheckConstraint(
                condition=Q(box_rows__isnull=True, box_columns__isnull=True)
                | Q(box_rows__gte=1, box_columns__gte=1),
                name="rack_grid_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.freezer_id}:{self.name}"

    @property
    def box_capacity(self) -> int | None:
        return self.box_rows * self.box_columns if self.box_rows else None


class BoxQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.for_scope(scope_of(user))

    def for_scope(self, scope: Scope):
        return scope.filter(self, "rack__freezer__site")

    def with_path(self):
        return self.select_related("box_type", "rack__freezer__site")


class Box(models.Model):
    """A box in a rack; its code (BOX-…) is printed on it as a barcode."""

    code = models.CharField(max_length=16, unique=True)
    box_type = models.ForeignKey(BoxType, on_delete=models.PROTECT, related_name="+")
    rack = models.ForeignKey(Rack, on_delete=models.PROTECT, related_name="boxes")
    position = models.PositiveSmallIntegerField(help_text="Slot in the rack, from 1.")
    # Slots taken (reserved ones included), kept in step with the placements by the services
    # in their transaction, so finding room reads one row per box instead of counting tubes.
    used = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BoxQuerySet.as_manager()
    history = LimsHistory(excluded_fields=["used"])

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "boxes"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=BOX_CODE_FORMAT), name="box_code_format"
            ),
            models.UniqueConstraint(fields=["rack", "position"], name="box_rack_slot_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="box_position_min"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def grid(self) -> Grid:
        return self.box_type.grid

    @property
    def path(self) -> str:
        """Site, freezer, rack and box, as a technician walks to it."""
        freezer = self.rack.freezer
        return PATH_SEPARATOR.join([freezer.site.code, freezer.code, self.rack.name, self.code])

    def slot_path(self, row: int, column: int) -> str:
        return f"{self.path}{PATH_SEPARATOR}{self.grid.name(row, column)}"


# The database's one tube per slot: its refusal is what decides two writers racing for a slot.
SLOT_CONSTRAINT = "placement_one_specimen_per_slot"


class PlacementQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return scope_of(user).filter(self, "box__rack__freezer__site")

    def with_box(self):
        return self.select_related("specimen", "box__box_type", "box__rack__freezer__site")


class Placement(models.Model):
    """Where one specimen is kept: one slot of one box, for as long as it is in storage.

    A checked-out tube keeps its row, and so its slot (``checked_out_at`` set). A move changes
    the row, and history keeps every earlier slot. When a tube has left storage for good
    (disposed, depleted, distributed) and its slot is needed, the row is vacated: no box, and
    ``vacated_at`` set. The database holds one specimen per slot and one slot per specimen.
    """

    specimen = models.OneToOneField(Specimen, on_delete=models.PROTECT, related_name="placement")
    # The slot constraint's index leads with box, so no separate index is needed for it.
    box = models.ForeignKey(
        Box,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        db_index=False,
    )
    row = models.PositiveSmallIntegerField(null=True, blank=True)
    column = models.PositiveSmallIntegerField(null=True, blank=True)
    placed_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    freeze_thaw_count = models.PositiveIntegerField(default=0)
    vacated_at = models.DateTimeField(null=True, blank=True)

    objects = PlacementQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["box_id", "row", "column"]
        constraints = [
            models.UniqueConstraint(fields=["box", "row", "column"], name=SLOT_CONSTRAINT),
            models.CheckConstraint(
                condition=Q(vacated_at__isnull=True, box__isnull=False, row__gte=1, column__gte=1)
                | Q(
                    vacated_at__isnull=False,
                    box__isnull=True,
                    row__isnull=True,
                    column__isnull=True,
                    checked_out_at__isnull=True,
                ),
                name="placement_in_a_slot_or_vacated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["checked_out_at"],
                condition=Q(checked_out_at__isnull=False),
                name="placement_checked_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specimen_id}@{self.box_id}:{self.row},{self.column}"

    @property
    def position(self) -> str | None:
        return self.box.grid.name(self.row, self.column) if self.box_id else None

    @property
    def path(self) -> str | None:
        return self.box.slot_path(self.row, self.column) if self.box_id else None

    def as_storage(self) -> dict | None:
        """The storage answer of ARCHITECTURE §6 (``box``, ``position``, ``path``) and more."""
        if self.box_id is None:
            return None
        return {
            "box": self.box.code,
            "position": self.position,
            "path": self.path,
            "checked_out": self.checked_out_at is not None,
            "freeze_thaw_count": self.freeze_thaw_count,
        }


class TemperatureReading(models.Model):
    """One temperature of a freezer at a moment, judged against the band in force when recorded.

    Append-only: a reading is evidence and is never corrected in place.
    """

    append_only = True

    freezer = models.ForeignKey(Freezer, on_delete=models.PROTECT, related_name="readings")
    at = models.DateTimeField()
    temperature_c = models.DecimalField(max_digits=6, decimal_places=2)
    low_c = models.DecimalField(max_digits=6, decimal_places=1)
    high_c = models.DecimalField(max_digits=6, decimal_places=1)
    source = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["freezer_id", "at"]
        constraints = [
            models.UniqueConstraint(fields=["freezer", "at"], name="reading_one_per_moment"),
            models.CheckConstraint(
                condition=Q(temperature_c__gte=-273.15, temperature_c__lte=100),
                name="reading_physical_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.freezer_id} {self.at:%Y-%m-%d %H:%M} {self.temperature_c} °C"

    @property
    def in_band(self) -> bool:
        return self.low_c <= self.temperature_c <= self.high_c

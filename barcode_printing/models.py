"""Printers of each site and the print jobs that record every label printed or reprinted."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from barcode_printing.choices import Dpi, LabelFormat, PrinterKind, PrintStatus
from barcode_printing.layouts import LAYOUTS, SHEETS
from barcode_printing.transports import Transport, get_transport
from lims.audit import AuditedQuerySet, LimsHistory
from lims.models import Site
from lims.scoping import scope_of

HOST_PORT = r"^[A-Za-z0-9][A-Za-z0-9.-]*:\d{1,5}$"
LAYOUT_CHOICES = [(name, name) for name in (*LAYOUTS, *SHEETS)]


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class PrinterQuerySet(AuditedQuerySet):
    def for_user(self, user) -> "PrinterQuerySet":
        return scope_of(user).filter(self, "site")

    def default_for(self, site: Site) -> "Printer | None":
        return self.filter(site=site, is_default_for_site=True, active=True).first()


class Printer(models.Model):
    """A label printer of one site: a Zebra on its raw port or behind CUPS, or a PDF download."""

    name = models.CharField(max_length=100, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="printers")
    kind = models.CharField(max_length=16, choices=PrinterKind.choices)
    address = models.CharField(
        max_length=255,
        blank=True,
        validators=[RegexValidator(HOST_PORT, "host:port, e.g. 10.0.4.21:9100.")],
        help_text="host:port of a zpl_tcp printer's raw port.",
    )
    queue = models.CharField(max_length=127, blank=True, help_text="CUPS queue of a cups printer.")
    dpi = models.PositiveSmallIntegerField(choices=Dpi.choices, default=Dpi.DPI_203)
    layout = models.CharField(
        max_length=40,
        choices=LAYOUT_CHOICES,
        default="tube_128x050",
        help_text="The label stock loaded; sheets only on PDF printers.",
    )
    is_default_for_site = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    objects = PrinterQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["site__code", "name"]
        constraints = [
            _choices_check("kind", PrinterKind, "printer_kind_valid"),
            _choices_check("dpi", Dpi, "printer_dpi_valid"),
            models.CheckConstraint(
                condition=Q(kind=PrinterKind.ZPL_TCP, address__regex=HOST_PORT)
                | (Q(kind=PrinterKind.CUPS) & ~Q(queue=""))
                | Q(kind=PrinterKind.PDF),
                name="printer_has_destination",
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(is_default_for_site=True),
                name="printer_one_default_per_site",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.layout in SHEETS and self.kind != PrinterKind.PDF:
            raise ValidationError({"layout": "Label printers take a label layout, not a sheet."})

    @property
    def format(self) -> str:
        """What the printer is sent: ZPL for Zebras, PDF for a download."""
        return LabelFormat.PDF if self.kind == PrinterKind.PDF else LabelFormat.ZPL

    def transport(self) -> Transport:
        if self.kind == PrinterKind.ZPL_TCP:
            host, port = self.address.rsplit(":", 1)
            return get_transport("tcp9100", host=host, port=int(port))
        if self.kind == PrinterKind.CUPS:
            return get_transport("cups", queue=self.queue)
        return get_transport("download")


class PrintJobQuerySet(AuditedQuerySet):
    def for_user(self, user) -> "PrintJobQuerySet":
        return scope_of(user).filter(self, "site")


class PrintJob(models.Model):
    """Labels printed once: who, when, where, which IDs, and whether (and why) it was a reprint.

    A record of fact. Only the printing services change it, and only its delivery status, as
    the table in ``barcode_printing/lifecycle.py`` allows.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    printer = models.ForeignKey(
        Printer, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    layout = models.CharField(max_length=40)
    format = models.CharField(max_length=8, choices=LabelFormat.choices)
    copies = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    reprint = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=PrintStatus.choices, default=PrintStatus.QUEUED)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # What a printer is sent, kept so that a failed job is resent exactly; empty for downloads.
    document = models.BinaryField(blank=True, default=b"", editable=False)

    objects = PrintJobQuerySet.as_manager()
    history = LimsHistory(excluded_fields=["document"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            _choices_check("status", PrintStatus, "print_job_status_valid"),
            _choices_check("format", LabelFormat, "print_job_format_valid"),
            models.CheckConstraint(condition=Q(copies__gte=1), name="print_job_copies_min"),
            models.CheckConstraint(
                condition=~Q(reprint=True, reason=""), name="print_job_reprint_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status=PrintStatus.SENT, sent_at__isnull=False)
                | (~Q(status=PrintStatus.SENT) & Q(sent_at__isnull=True)),
                name="print_job_sent_at_iff_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status=PrintStatus.FAILED, error=""),
                name="print_job_failure_has_error",
            ),
        ]
        indexes = [models.Index(fields=["site", "created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"


class PrintJobItem(models.Model):
    """One ID a job labelled: the index behind a tube's print history and the reprint rule."""

    append_only = True

    job = models.ForeignKey(PrintJob, on_delete=models.PROTECT, related_name="items")
    payload = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "payload"], name="print_job_item_unique"),
        ]

    def __str__(self) -> str:
        return self.payload

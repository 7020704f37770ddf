"""Participants, the tube catalog, orders, specimens and their append-only custody chain."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from lims.audit import AuditedQuerySet, LimsHistory
from lims.models import Site
from lims.notes import FieldText
from lims.scoping import Scope, scope_of
from specimens.choices import (
    Centrifuge,
    Ceremony,
    Consent,
    CustodyKind,
    OrderAction,
    OrderStatus,
    RunStatus,
    SampleKind,
    SignatureMeaning,
    SpecimenStatus,
    TemperatureClass,
)

GENESIS_HASH = "0" * 64
PARTICIPANT_ID = r"^P\d{9}$"
BIOBANK_ID = r"^B\d{9}$"


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class ParticipantQuerySet(AuditedQuerySet):
    def for_user(self, user):
        scope = scope_of(user)
        if scope.at_biobank:
            return self.all()
        return scope.filter(self, "registered_site")


class Participant(models.Model):
    """A de-identified participant: two opaque IDs and a consent state, nothing else."""

    participant_id = models.CharField(
        max_length=10, unique=True, validators=[RegexValidator(PARTICIPANT_ID, "P and 9 digits.")]
    )
    biobank_id = models.CharField(
        max_length=10, unique=True, validators=[RegexValidator(BIOBANK_ID, "B and 9 digits.")]
    )
    registered_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.CONSENTED)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    destroy_samples = models.BooleanField(null=True, blank=True)
    ceremony = models.CharField(max_length=8, choices=Ceremony.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParticipantQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["participant_id"]
        constraints = [
            _choices_check("consent", Consent, "participant_consent_valid"),
            models.CheckConstraint(
                condition=Q(participant_id__regex=PARTICIPANT_ID) & Q(biobank_id__regex=BIOBANK_ID),
                name="participant_ids_format",
            ),
            models.CheckConstraint(
                condition=Q(consent=Consent.CONSENTED, withdrawn_at__isnull=True)
                | Q(
                    consent=Consent.WITHDRAWN,
                    withdrawn_at__isnull=False,
                    destroy_samples__isnull=False,
                ),
                name="participant_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.biobank_id

    @property
    def destruction_requested(self) -> bool:
        return self.consent == Consent.WITHDRAWN and bool(self.destroy_samples)


class SpecimenTypeQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.all()


class SpecimenType(models.Model):
    """A tube code of the program's catalog, or a derivative type for aliquots."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=SampleKind.choices)
    container = models.CharField(max_length=120)
    cap_colour = models.CharField(max_length=40, blank=True)
    draw_order = models.PositiveSmallIntegerField(null=True, blank=True)
    nominal_volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    labels_per_tube = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    needs_processing = models.BooleanField(default=False)
    centrifuge = models.CharField(max_length=16, choices=Centrifuge.choices, blank=True)
    min_processing_minutes = models.PositiveIntegerField(null=True, blank=True)
    max_processing_minutes = models.PositiveIntegerField(null=True, blank=True)
    storage_class = models.CharField(max_length=16, choices=TemperatureClass.choices)
    density_g_per_ml = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    active = models.BooleanField(default=True)
    # The derivative types a tube of this type may be aliquoted into (serum and clot from an
    # SST, plasma and buffy coat from a PST or EDTA tube, ...).
    yields = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="derived_from"
    )

    objects = SpecimenTypeQuerySet.as_manager()
    history = LimsHistory(m2m_fields=[yields])

    class Meta:
        ordering = ["draw_order", "code"]
        constraints = [
            _choices_check("kind", SampleKind, "specimen_type_kind_valid"),
            _choices_check("storage_class", TemperatureClass, "specimen_type_storage_valid"),
            models.CheckConstraint(condition=Q(labels_per_tube__gte=1), name="labels_per_tube_min"),
        ]

    def __str__(self) -> str:
        return self.code


class TubeSet(models.Model):
    """A versioned set of tube codes a site orders from; pediatric sets by weight band."""

    name = models.CharField(max_length=60)
    version = models.PositiveSmallIntegerField()
    pediatric = models.BooleanField(default=False)
    min_weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    in_force = models.BooleanField(default=True)
    types = models.ManyToManyField(SpecimenType, related_name="tube_sets")

    objects = AuditedQuerySet.as_manager()
    history = LimsHistory(m2m_fields=[types])

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="tube_set_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class IdentifierCounter(models.Model):
    """The last number handed out in one ID series (specimens, orders, ...), locked to allocate."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class OrderQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.for_scope(scope_of(user))

    def for_scope(self, scope: Scope):
        return self.all() if scope.at_biobank else scope.filter(self, "site")


class CollectionOrder(models.Model):
    """One visit's set of tubes for one participant at one collection site."""

    code = models.CharField(max_length=16, unique=True)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="orders")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    tube_set = models.ForeignKey(TubeSet, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    status_before_cancel = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True)
    donated_blood_past_week = models.BooleanField()
    transfusion_past_6_months = models.BooleanField()
    fainting_history = models.BooleanField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrderQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["-created_at"]
        constraints = [_choices_check("status", OrderStatus, "order_status_valid")]

    def __str__(self) -> str:
        return self.code


class OrderEvent(models.Model):
    """An append-only step of an order: who, at which site, when, in which time zone, and why."""

    append_only = True

    order = models.ForeignKey(CollectionOrder, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=OrderAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    reason_code = models.CharField(max_length=40, blank=True)
    reason_text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


# What the lifecycle reads of a specimen besides its own row: a lock fetches these with it.
LIFECYCLE_RELATED = ("type", "participant", "current_site")


class SpecimenQuerySet(AuditedQuerySet):
    def for_user(self, user):
        return self.for_scope(scope_of(user))

    def for_scope(self, scope: Scope):
        # Every specimen is bound for the one central biobank, and its staff may look up any
        # barcode; collection sites see what they collected or now hold.
        if scope.at_biobank:
            return self.all()
        return scope.filter(self, "collection_site", "current_site")

    def lock(self, *specimens: "Specimen") -> list["Specimen"]:
        """These rows (or only ``specimens``) locked for update, with what the lifecycle reads.

        A fixed lock order (by key) keeps two writers on overlapping tubes from deadlocking.
        """
        rows = self.filter(pk__in=[s.pk for s in specimens]) if specimens else self
        return list(rows.locking())

    def locking(self):
        """These rows as ``lock()`` reads them, not yet read (to compile, or to narrow)."""
        return (
            self.select_for_update(of=("self",)).select_related(*LIFECYCLE_RELATED).order_by("pk")
        )


class Specimen(models.Model):
    """One physical tube or aliquot; its barcode is its identity."""

    barcode = models.CharField(max_length=10, unique=True)
    type = models.ForeignKey(SpecimenType, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="specimens")
    order = models.ForeignKey(
        CollectionOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="specimens"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    collection_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    current_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=SpecimenStatus.choices, default=SpecimenStatus.LABELED
    )
    # A reason a person typed is a note (``note:<digest>``, lims.notes), so that history copies
    # the reference, not the text, and a redaction reaches every copy; the system's own words
    # (a damage or withdrawal hold) are kept as they are. Read it as ``hold_text``.
    hold_reason = models.CharField(max_length=500, blank=True)
    disposal_due = models.BooleanField(default=False)
    collected_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    centrifuge = models.CharField(max_length=16, choices=Centrifuge.choices, blank=True)
    volume_ul = models.PositiveIntegerField(null=True, blank=True)
    weight_g = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    qc_flags = models.JSONField(default=list, blank=True)
    # Head of the custody chain, kept on the locked row so an append needs no extra read.
    custody_seq = models.PositiveIntegerField(default=0)
    custody_head = models.CharField(max_length=64, default=GENESIS_HASH)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SpecimenQuerySet.as_manager()
    history = LimsHistory(excluded_fields=["custody_seq", "custody_head"])
    hold_text = FieldText("hold_reason")

    class Meta:
        ordering = ["barcode"]
        constraints = [
            _choices_check("status", SpecimenStatus, "specimen_status_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="specimen_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(processed_at__isnull=True)
                | Q(collected_at__isnull=True)
                | Q(processed_at__gt=models.F("collected_at")),
                name="specimen_processed_after_collected",
            ),
        ]
        indexes = [
            models.Index(fields=["current_site", "status"]),
            models.Index(fields=["status"]),
            models.Index(
                fields=["disposal_due"],
                condition=Q(disposal_due=True),
                name="specimen_disposal_due",
            ),
        ]

    def __str__(self) -> str:
        return self.barcode

    @property
    def on_hold(self) -> bool:
        return bool(self.hold_reason)


class CustodyEventQuerySet(models.QuerySet):
    def for_user(self, user):
        scope = scope_of(user)
        return (
            self.all()
            if scope.at_biobank
            else scope.filter(self, "site", "specimen__collection_site")
        )


class CustodyEvent(models.Model):
    """One hand-off or state change of a specimen, chained by hash to the one before it.

    ``hash = sha256(prev_hash + canonical form)``, in the form of ``version`` (docs/custody.md);
    an event keeps the form it was written in. The database refuses UPDATE and DELETE here.
    """

    append_only = True

    specimen = models.ForeignKey(Specimen, on_delete=models.PROTECT, related_name="custody_events")
    seq = models.PositiveIntegerField()
    version = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=CustodyKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    ref = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        ordering = ["specimen_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["specimen", "seq"], name="custody_seq_unique"),
            _choices_check("kind", CustodyKind, "custody_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["site", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.specimen_id}#{self.seq} {self.kind}"


class Signature(models.Model):
    """An electronic signature (21 CFR 11.50/11.70) bound to one custody event by its hash."""

    append_only = True

    event = models.ForeignKey(CustodyEvent, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=300)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=16, choices=SignatureMeaning.choices)
    event_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "meaning"], name="signature_one_per_meaning"),
            models.UniqueConstraint(fields=["event", "signer"], name="signature_one_per_signer"),
            _choices_check("meaning", SignatureMeaning, "signature_meaning_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_meaning_display()} {self.printed_name}"


class VerificationRun(models.Model):
    """A request to verify every custody chain in its requester's scope: a job row that the
    ``verify_worker`` command claims, with its progress and, once done, each break found."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    specimens_total = models.PositiveIntegerField(default=0)
    specimens_checked = models.PositiveIntegerField(default=0)
    events_checked = models.PositiveBigIntegerField(default=0)
    breaks = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [_choices_check("status", RunStatus, "verification_run_status_valid")]

    def __str__(self) -> str:
        return f"verification {self.public_id} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return self.specimens_checked * 100 // self.specimens_total if self.specimens_total else 0


class Checkpoint(models.Model):
    """A signed Merkle root over every custody chain head (and one over every history row) at
    one time (docs/custody.md).

    Also written as files outside the database; the Ed25519 key that signs it never enters the
    database, so a rewrite of a chain after it is found even with every hash recomputed.
    """

    append_only = True

    version = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    chains = models.PositiveIntegerField()
    events = models.PositiveBigIntegerField()
    root = models.CharField(max_length=64)
    history_rows = models.PositiveBigIntegerField()
    history_root = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk} at {self.at:%Y-%m-%d %H:%M:%S} ({self.chains} chains)"

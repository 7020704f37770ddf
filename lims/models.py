"""Users, sites, memberships (who holds which role where) and stored idempotent responses."""

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from lims.audit import AuditedQuerySet, LimsHistory
from lims.choices import Role, SiteKind
from lims.scoping import scope_of

# A telephone number as people write it: an optional +, digits, spaces, parentheses and
# hyphens, from the first digit to the last.
PHONE = r"^\+?[0-9][0-9 ()-]{5,29}[0-9]$"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as America/New_York.")


class LimsUserManager(UserManager.from_queryset(AuditedQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Staff only: participants are never users and never named."""

    objects = LimsUserManager()
    history = LimsHistory(excluded_fields=["password", "last_login"])

    class Meta:
        db_table = "lims_user"


class SiteQuerySet(AuditedQuerySet):
    def for_user(self, user) -> "SiteQuerySet":
        scope = scope_of(user)
        # Every collection site ships to the biobank, so biobank staff see all sites.
        if scope.reads_everything or scope.at_biobank:
            return self.all()
        return self.filter(pk__in=scope.site_ids)


class Site(models.Model):
    """A collection site (partner) or the biobank."""

    code = models.CharField(
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]{1,31}$", "Use capitals, digits and '-'.")],
        help_text="Stable public code, e.g. SITE-BOS.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=SiteKind.choices)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    # UN3373 (IATA PI 650): a package names a person responsible for it and a telephone number
    # where they answer around the clock; the shipping label prints the sending site's.
    responsible_name = models.CharField(
        max_length=100, blank=True, help_text="Person responsible for the site's shipments."
    )
    responsible_phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[RegexValidator(PHONE, "A telephone number: +, digits, spaces, ( ) and -.")],
        help_text="24-hour telephone of the responsible person, e.g. +1 312 555 0142.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SiteKind.values), name="site_kind_valid"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9][A-Z0-9-]{1,31}$"), name="site_code_format"
            ),
            models.CheckConstraint(
                condition=Q(responsible_phone="") | Q(responsible_phone__regex=PHONE),
                name="site_responsible_phone_format",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_biobank(self) -> bool:
        return self.kind == SiteKind.BIOBANK


class MembershipQuerySet(AuditedQuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(Membership.active_condition())

    def for_user(self, user) -> "MembershipQuerySet":
        return scope_of(user).filter(self, "site")


class Membership(models.Model):
    """One role a user holds at one site. Ended, never deleted, so past access stays provable."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = LimsHistory()

    class Meta:
        ordering = ["site__code", "user__username", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.UniqueConstraint(
                fields=["user", "site", "role"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} at {self.site}"

    @staticmethod
    def active_condition(prefix: str = "") -> Q:
        """A membership in force (not ended), reached through ``prefix``."""
        return Q(**{f"{prefix}ended_at__isnull": True})


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed for retries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Note(models.Model):
    """Free text (a note, a reason) kept beside the append-only records, which commit to it by
    its salted digest ``sha256(salt || text)``: redacting wipes the text and the salt, and the
    records still verify, while the text cannot be recovered by guessing (docs/custody.md)."""

    # The only columns the database lets anyone change, and only to blank them (db_guards).
    redactable = ("salt", "text")

    digest = models.CharField(max_length=64, unique=True)
    salt = models.CharField(max_length=32, blank=True, help_text="16 random bytes, hex")
    text = models.TextField(blank=True)
    subject = models.CharField(max_length=80, blank=True, help_text="what holds it: BX0000001G#3")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"note {self.pk} of {self.subject or '?'}"


class NoteRedaction(models.Model):
    """Who redacted a note, when and why: the record stays where the text was."""

    append_only = True

    note = models.OneToOneField(Note, on_delete=models.PROTECT, related_name="redaction")
    at = models.DateTimeField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.note} redacted by {self.actor}"

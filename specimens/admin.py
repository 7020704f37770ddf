"""Admin: the catalog is edited here (with reasons); specimens and orders are read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.html import format_html_join

from lims.admin import AuditedAdmin, ReadOnlyAdminMixin, ReadOnlyHistoryAdmin
from lims.errors import DomainError
from lims.models import Note
from specimens import selectors, services
from specimens.models import (
    CollectionOrder,
    Participant,
    Signature,
    Specimen,
    SpecimenType,
    TubeSet,
)


@admin.register(SpecimenType)
class SpecimenTypeAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "nominal_volume_ml",
        "labels_per_tube",
        "needs_processing",
        "storage_class",
        "active",
    ]
    list_filter = ["kind", "storage_class", "active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["yields"]


@admin.register(TubeSet)
class TubeSetAdmin(AuditedAdmin):
    list_display = ["name", "version", "pediatric", "min_weight_kg", "in_force"]
    filter_horizontal = ["types"]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyHistoryAdmin):
    list_display = ["biobank_id", "registered_site", "consent", "withdrawn_at"]
    list_filter = ["consent"]
    search_fields = ["biobank_id"]


@admin.register(CollectionOrder)
class CollectionOrderAdmin(ReadOnlyHistoryAdmin):
    list_display = ["code", "site", "status", "created_at"]
    list_filter = ["status", "site"]
    search_fields = ["code"]


@admin.register(Specimen)
class SpecimenAdmin(ReadOnlyHistoryAdmin):
    list_display = ["barcode", "type", "status", "current_site", "hold"]
    list_filter = ["status", "type"]
    list_select_related = ["type", "current_site"]
    search_fields = ["barcode"]
    # The hold reason as a person reads it: the row holds a note's digest for what was typed.
    exclude = ["hold_reason"]
    readonly_fields = ["hold", "signatures"]

    def get_queryset(self, request):
        return selectors.specimen_list(super().get_queryset(request))

    @admin.display(description="Hold reason")
    def hold(self, specimen):
        return specimen.hold_text

    @admin.display(description="Signatures")
    def signatures(self, specimen):
        return (
            format_html_join(
                "\n",
                "<p>#{} {}: {} {} at {}</p>",
                (
                    (
                        s.event.seq,
                        s.event.kind,
                        s.get_meaning_display(),
                        s.printed_name,
                        s.signed_at,
                    )
                    for s in selectors.signatures_of(specimen)
                ),
            )
            or "None"
        )


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Signatures are shown, never made or changed here: only a signed service writes them."""

    list_display = ["specimen", "seq", "kind", "meaning", "printed_name", "signed_at"]
    list_filter = ["meaning"]
    list_select_related = ["event__specimen"]
    search_fields = ["event__specimen__barcode", "printed_name"]

    @admin.display(ordering="event__specimen__barcode")
    def specimen(self, signature):
        return signature.event.specimen.barcode

    @admin.display(ordering="event__seq")
    def seq(self, signature):
        return signature.event.seq

    @admin.display
    def kind(self, signature):
        return signature.event.get_kind_display()


class RedactForm(ActionForm):
    reason = forms.CharField(required=False, help_text="Why the note must go (required).")


@admin.register(Note)
class NoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Notes are read here and redacted with a reason (the redaction action), never edited."""

    list_display = ["pk", "subject", "text", "created_at", "redaction"]
    list_select_related = ["redaction__actor"]
    search_fields = ["subject", "digest"]
    readonly_fields = ["digest", "subject", "text", "created_at"]
    exclude = ["salt"]
    action_form = RedactForm
    actions = ["redact"]

    @admin.action(description="Redact the selected notes (give a reason)")
    def redact(self, request, queryset):
        for note in queryset:
            try:
                services.note_redact(
                    actor=request.user, note=note.pk, reason=request.POST.get("reason", "")
                )
            except DomainError as refused:
                self.message_user(request, f"Note {note.pk}: {refused.detail}", messages.ERROR)
            else:
                self.message_user(request, f"Note {note.pk} redacted.", messages.SUCCESS)

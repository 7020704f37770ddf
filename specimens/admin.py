"""Admin: the catalog is edited here (with reasons); specimens and orders are read-only."""

from django.contrib import admin

from lims.admin import AuditedAdmin, ReadOnlyHistoryAdmin
from specimens.models import CollectionOrder, Participant, Specimen, SpecimenType, TubeSet


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
    list_display = ["barcode", "type", "status", "current_site", "hold_reason"]
    list_filter = ["status", "type"]
    list_select_related = ["type", "current_site"]
    search_fields = ["barcode"]

"""Admin: box types, freezers and racks are edited here (with reasons); boxes and placements
change only through the services, so they are read-only."""

from django.contrib import admin

from freezers.models import Box, BoxType, Freezer, Placement, Rack
from lims.admin import AuditedAdmin, ReadOnlyHistoryAdmin


@admin.register(BoxType)
class BoxTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "rows", "columns", "naming", "fill_order", "is_bag"]

    def get_readonly_fields(self, request, obj=None):
        # Boxes of this type hold tubes at positions its grid names: the grid never changes.
        return ["rows", "columns", "naming", "fill_order", "is_bag"] if obj else []


@admin.register(Freezer)
class FreezerAdmin(AuditedAdmin):
    list_display = ["code", "name", "site", "kind", "temperature_class", "set_point_c", "status"]
    list_filter = ["status", "temperature_class", "site"]
    search_fields = ["code", "name"]


@admin.register(Rack)
class RackAdmin(AuditedAdmin):
    list_display = ["freezer", "name", "kind", "position"]
    list_filter = ["freezer"]


@admin.register(Box)
class BoxAdmin(ReadOnlyHistoryAdmin):
    list_display = ["code", "box_type", "rack", "position"]
    list_select_related = ["box_type", "rack__freezer"]
    search_fields = ["code"]


@admin.register(Placement)
class PlacementAdmin(ReadOnlyHistoryAdmin):
    list_display = ["specimen", "box", "row", "column", "checked_out_at", "freeze_thaw_count"]
    list_select_related = ["specimen", "box"]
    search_fields = ["specimen__barcode", "box__code"]

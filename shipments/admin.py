"""Admin: shipments, their items and discrepancies are read-only records with history."""

from django.contrib import admin

from lims.admin import ReadOnlyHistoryAdmin
from shipments.models import Discrepancy, Shipment, ShipmentItem


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["code", "origin", "destination", "condition", "status", "dispatched_at"]
    list_filter = ["status", "condition"]
    search_fields = ["code", "tracking_number"]


@admin.register(ShipmentItem)
class ShipmentItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ["shipment", "specimen", "inner_box", "position", "receipt_status", "open"]
    list_filter = ["receipt_status"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["shipment", "kind", "barcode", "recorded_at", "resolved_at"]
    list_filter = ["kind"]

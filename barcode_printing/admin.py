"""Admin: site admins keep printers here (with reasons); print jobs are read, never edited."""

from django.contrib import admin

from barcode_printing.models import Printer, PrintJob
from lims.admin import AuditedAdmin, ReadOnlyHistoryAdmin


@admin.register(Printer)
class PrinterAdmin(AuditedAdmin):
    list_display = ["name", "site", "kind", "address", "queue", "dpi", "layout", "active"]
    list_filter = ["site", "kind", "active", "is_default_for_site"]
    list_select_related = ["site"]
    search_fields = ["name", "address", "queue"]


@admin.register(PrintJob)
class PrintJobAdmin(ReadOnlyHistoryAdmin):
    """A job is a record of fact: only the printing services write it."""

    list_display = ["public_id", "created_at", "actor", "site", "printer", "status", "reprint"]
    list_filter = ["status", "reprint", "format", "site"]
    list_select_related = ["actor", "site", "printer"]
    search_fields = ["items__payload", "=public_id"]

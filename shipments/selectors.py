"""Reads of shipments: the receipt's live diff, manifest rows, and the overdue report."""

from collections import Counter
from datetime import datetime, timedelta

from django.db.models import CharField, Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from lims.compiled import Compiled, Given
from lims.scoping import scope_of
from shipments.choices import DiscrepancyKind, ReceiptStatus
from shipments.models import ReceiptTally, Shipment, ShipmentItem
from shipments.tally import COUNTED
from specimens.choices import OrderAction, OrderStatus, SpecimenStatus
from specimens.models import OrderEvent, Specimen

# The program reports a finalized tube not received within 36 hours (REFERENCE §1).
OVERDUE_AFTER = timedelta(hours=36)
NOT_YET_AT_BIOBANK = [
    SpecimenStatus.COLLECTED,
    SpecimenStatus.PROCESSED,
    SpecimenStatus.PACKED,
    SpecimenStatus.IN_TRANSIT,
    SpecimenStatus.MISSING,
]


def locked_for_scan(user, code: str) -> Shipment | None:
    """The shipment ``code`` among those ``user`` sees, its row locked in the caller's
    transaction, with its sites, in one compiled statement (a scan's path)."""
    return _locked_shipment.first(scope_of(user), code=code)


@Compiled
def _locked_shipment(scope):
    shipments = Shipment.objects.for_scope(scope).filter(code=Given("code", CharField()))
    return shipments.select_related("origin", "destination").select_for_update(of=("self",))


def shipment_list(queryset):
    on_manifest = ~Q(items__receipt_status=ReceiptStatus.REMOVED)
    return (
        queryset.select_related("origin", "destination")
        .annotate(item_count=Count("items", filter=on_manifest))
        .order_by("-created_at", "-pk")
    )


def manifest_items(shipment: Shipment):
    """The tubes on the manifest (not those taken out before dispatch), in packing order."""
    return (
        shipment.items.exclude(receipt_status=ReceiptStatus.REMOVED)
        .select_related("specimen__type", "specimen__participant", "specimen__collection_site")
        .order_by("inner_box", "position", "specimen__barcode")
    )


def receipt_counts(shipment: Shipment) -> dict:
    """How many tubes the receipt has seen of each kind; one query whatever the size."""
    return counts_of(*receipt_tally(shipment))


def receipt_tally(shipment: Shipment) -> tuple[Counter, int]:
    """The shipment's tubes by receipt status and its count of unexpected tubes: one row, kept
    by the database (``ReceiptTally``)."""
    tally = _tally.first(shipment=shipment.pk)
    return Counter({status: getattr(tally, status) for status in COUNTED}), tally.unexpected


@Compiled
def _tally(_key):
    """A shipment's receipt tally (compiled once: a scan's path)."""
    return ReceiptTally.objects.filter(shipment=Given("shipment", IntegerField()))


def counts_of(statuses: Counter, unexpected: int) -> dict:
    """The counts a receiving station shows, from the tubes by status and the unexpected ones."""
    return {
        "expected": statuses.total(),
        "received": statuses[ReceiptStatus.RECEIVED],
        "damaged": statuses[ReceiptStatus.DAMAGED],
        "missing": statuses[ReceiptStatus.PENDING] + statuses[ReceiptStatus.MISSING],
        "unexpected": unexpected,
    }


def reconciliation(shipment: Shipment) -> dict:
    """The live diff of manifest and scans: each list holds tube IDs; two queries in all.

    ``missing`` holds the tubes not scanned so far (after closing, those marked missing);
    ``received`` those received intact, ``damaged`` those received damaged.
    """
    lists: dict[str, list[str]] = {
        "expected": [],
        "received": [],
        "missing": [],
        "damaged": [],
    }
    into = {
        ReceiptStatus.RECEIVED: "received",
        ReceiptStatus.DAMAGED: "damaged",
        ReceiptStatus.PENDING: "missing",
        ReceiptStatus.MISSING: "missing",
    }
    rows = (
        ShipmentItem.objects.filter(shipment=shipment)
        .exclude(receipt_status=ReceiptStatus.REMOVED)
        .order_by("specimen__barcode")
        .values_list("specimen__barcode", "receipt_status")
    )
    for barcode, receipt_status in rows:
        lists["expected"].append(barcode)
        lists[into[receipt_status]].append(barcode)
    lists["unexpected"] = list(
        shipment.discrepancies.filter(kind=DiscrepancyKind.UNEXPECTED)
        .order_by("barcode")
        .values_list("barcode", flat=True)
    )
    counts = {name: len(ids) for name, ids in lists.items()}
    return {"shipment": shipment.code, "status": shipment.status, "counts": counts, **lists}


def overdue(user, now: datetime):
    """Finalized tubes the user can see that have not reached the biobank in time: measured
    from dispatch for tubes on their way, from the order's finalization for the others."""
    finalized_at = (
        OrderEvent.objects.filter(order=OuterRef("order"), action=OrderAction.FINALIZED)
        .order_by("-at")
        .values("at")[:1]
    )
    open_item = ShipmentItem.objects.filter(specimen=OuterRef("pk"), open=True)
    return (
        Specimen.objects.for_user(user)
        .filter(
            status__in=NOT_YET_AT_BIOBANK,
            order__status=OrderStatus.FINALIZED,
            parent__isnull=True,
        )
        .annotate(
            finalized_at=Subquery(finalized_at),
            shipment_code=Subquery(open_item.values("shipment__code")[:1]),
            dispatched_at=Subquery(open_item.values("shipment__dispatched_at")[:1]),
        )
        .annotate(due_from=Coalesce("dispatched_at", "finalized_at"))
        .filter(due_from__lte=now - OVERDUE_AFTER)
        .select_related("type", "collection_site", "order")
        .order_by("collection_site__code", "due_from", "barcode")
    )


def overdue_by_site(queryset) -> dict[str, int]:
    return dict(
        queryset.order_by()
        .values_list("collection_site__code")
        .annotate(n=Count("pk"))
        .values_list("collection_site__code", "n")
    )

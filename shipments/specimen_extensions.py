"""What shipments adds to a specimen (see specimens.extensions): the ``shipment`` that carries
or last carried it, in the representation, and the ``?shipment=`` filter of the specimen list."""

import django_filters
from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.choices import ReceiptStatus
from shipments.models import ShipmentItem
from specimens import extensions

# The tube's manifest lines, newest first, set on each specimen by the prefetch below.
_MANIFESTED = "manifest_lines"
# Or, on the one tube of a scan, the code of the newest one's shipment, annotated.
_CARRIED_BY = "carried_by"


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "Code (SH-…) of the shipment that carries or last carried the tube.",
    }
)
class ShipmentField(serializers.Field):
    """The newest manifest line of the tube that was not taken out again."""

    def to_representation(self, specimen) -> str | None:
        if not hasattr(specimen, _MANIFESTED):
            return getattr(specimen, _CARRIED_BY)
        lines = getattr(specimen, _MANIFESTED)
        return lines[0].shipment.code if lines else None


def _manifest_lines():
    return ShipmentItem.objects.exclude(receipt_status=ReceiptStatus.REMOVED).order_by(
        "-added_at", "-pk"
    )


def _with_manifest_lines(queryset):
    lines = _manifest_lines().select_related("shipment")
    return queryset.prefetch_related(Prefetch("shipment_items", lines, to_attr=_MANIFESTED))


def _with_carrier(queryset):
    newest = _manifest_lines().filter(specimen=OuterRef("pk")).values("shipment__code")[:1]
    return queryset.annotate(**{_CARRIED_BY: Subquery(newest)})


extensions.add_field(
    "shipment", field=ShipmentField, fetch=_with_manifest_lines, fetch_one=_with_carrier
)
extensions.add_filter(
    "shipment",
    django_filters.CharFilter(
        field_name="shipment_items__shipment__code",
        distinct=True,
        help_text="Shipment code (SH-…): the tubes on its manifest, or once on it.",
    ),
)

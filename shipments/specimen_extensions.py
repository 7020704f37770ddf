"""What shipments adds to a specimen (see specimens.extensions): the ``shipment`` that carries
or last carried it, in the representation, and the ``?shipment=`` filter of the specimen list."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.choices import ReceiptStatus
from shipments.models import ShipmentItem
from specimens import extensions

# The tube's manifest lines, newest first, set on each specimen by the prefetch below.
_MANIFESTED = "manifest_lines"


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
        lines = getattr(specimen, _MANIFESTED)
        return lines[0].shipment.code if lines else None


def _with_manifest_lines(queryset):
    lines = (
        ShipmentItem.objects.exclude(receipt_status=ReceiptStatus.REMOVED)
        .select_related("shipment")
        .order_by("-added_at", "-pk")
    )
    return queryset.prefetch_related(Prefetch("shipment_items", lines, to_attr=_MANIFESTED))


extensions.add_field("shipment", field=ShipmentField, fetch=_with_manifest_lines)
extensions.add_filter(
    "shipment",
    django_filters.CharFilter(
        field_name="shipment_items__shipment__code",
        distinct=True,
        help_text="Shipment code (SH-…): the tubes on its manifest, or once on it.",
    ),
)

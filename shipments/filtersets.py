"""Filters of the shipment list."""

import django_filters

from lims.api.filters import IsoDateTimeFilter
from shipments.choices import Condition, ShipmentStatus
from shipments.models import Shipment


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices)
    condition = django_filters.ChoiceFilter(choices=Condition.choices)
    origin = django_filters.CharFilter(field_name="origin__code")
    destination = django_filters.CharFilter(field_name="destination__code")
    tracking_number = django_filters.CharFilter()
    dispatched_since = IsoDateTimeFilter(field_name="dispatched_at", lookup_expr="gte")

    class Meta:
        model = Shipment
        fields = []

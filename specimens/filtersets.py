"""Filters of the specimen and custody lists."""

import functools

import django_filters
from django.apps import apps
from django.core.exceptions import AppRegistryNotReady

from lims.api.filters import IsoDateTimeFilter
from lims.scoping import scope_of
from specimens import extensions
from specimens.choices import CustodyKind, OrderStatus, SpecimenStatus
from specimens.models import CollectionOrder, CustodyEvent, Specimen


class SpecimenFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SpecimenStatus.choices)
    type = django_filters.CharFilter(field_name="type__code")
    site = django_filters.CharFilter(field_name="collection_site__code")
    current_site = django_filters.CharFilter(field_name="current_site__code")
    order = django_filters.CharFilter(field_name="order__code")
    participant = django_filters.CharFilter(
        method="filter_participant", help_text="Biobank ID (B…) or participant ID (P…)."
    )
    disposal_due = django_filters.BooleanFilter()
    on_hold = django_filters.BooleanFilter(method="filter_on_hold")

    class Meta:
        model = Specimen
        fields = []

    def filter_participant(self, queryset, name, value):
        if value.upper().startswith("B"):
            return queryset.filter(participant__biobank_id=value.upper())
        # A participant ID only finds tubes of sites where the user may see participant IDs.
        scope = scope_of(self.request.user)
        visible = scope.site_ids - scope.biobank_site_ids
        queryset = queryset.filter(participant__participant_id=value.upper())
        return queryset if scope.is_superuser else queryset.filter(collection_site__in=visible)

    def filter_on_hold(self, queryset, name, value):
        return queryset.exclude(hold_reason="") if value else queryset.filter(hold_reason="")


def specimen_filter() -> type[SpecimenFilter]:
    """SpecimenFilter with the filters other apps add (``box``, ``shipment``, …)."""
    if not apps.ready:
        # Before every app's ready() the added filters are not all known yet.
        raise AppRegistryNotReady("The specimen filters are complete once the apps are ready.")
    return _with_added_filters()


@functools.cache
def _with_added_filters() -> type[SpecimenFilter]:
    return type("SpecimenFilter", (SpecimenFilter,), extensions.filters())


class CustodyEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username")
    site = django_filters.CharFilter(field_name="site__code")
    kind = django_filters.ChoiceFilter(choices=CustodyKind.choices)
    specimen = django_filters.CharFilter(field_name="specimen__barcode")
    since = IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = CustodyEvent
        fields = []


class WorkQueueFilter(django_filters.FilterSet):
    """The work queue's filter form: narrow every list to a status or a participant."""

    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, empty_label="any status")
    participant = django_filters.CharFilter(
        field_name="participant__participant_id", lookup_expr="iexact", label="Participant ID"
    )

    class Meta:
        model = CollectionOrder
        fields = []

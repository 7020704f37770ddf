"""Filters of the specimen and custody lists."""

import django_filters

from lims.scoping import scope_of
from specimens.choices import CustodyKind, SpecimenStatus
from specimens.models import CustodyEvent, Specimen


class SpecimenFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SpecimenStatus.choices)
    type = django_filters.CharFilter(field_name="type__code")
    site = django_filters.CharFilter(field_name="collection_site__code")
    current_site = django_filters.CharFilter(field_name="current_site__code")
    order = django_filters.CharFilter(field_name="order__code")
    shipment = django_filters.CharFilter(
        field_name="shipment_items__shipment__code",
        distinct=True,
        help_text="Shipment code (SH-…): the tubes on its manifest, or once on it.",
    )
    box = django_filters.CharFilter(
        field_name="placement__box__code", help_text="Box code (BOX-…): the tubes in that box."
    )
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


class CustodyEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username")
    site = django_filters.CharFilter(field_name="site__code")
    kind = django_filters.ChoiceFilter(choices=CustodyKind.choices)
    specimen = django_filters.CharFilter(field_name="specimen__barcode")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = CustodyEvent
        fields = []

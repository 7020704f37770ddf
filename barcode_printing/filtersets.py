"""Filters of the printer and print-job lists."""

import django_filters

from barcode_printing.choices import PrinterKind, PrintStatus
from barcode_printing.ids import parse_id
from barcode_printing.models import Printer, PrintJob


class PrinterFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code")
    kind = django_filters.ChoiceFilter(choices=PrinterKind.choices)

    class Meta:
        model = Printer
        fields = []


class PrintJobFilter(django_filters.FilterSet):
    id = django_filters.CharFilter(
        method="filter_id", help_text="A specimen ID: the print history of that tube."
    )
    status = django_filters.ChoiceFilter(choices=PrintStatus.choices)
    printer = django_filters.CharFilter(field_name="printer__name")
    site = django_filters.CharFilter(field_name="site__code")

    class Meta:
        model = PrintJob
        fields = []

    def filter_id(self, queryset, name, value):
        # A mistyped ID is answered as such (400) rather than with an empty history.
        return queryset.filter(items__payload=parse_id(value))

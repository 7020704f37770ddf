"""Filters shared by the apps' FilterSets: times a database can hold, or a 400 naming the field."""

from datetime import datetime, timedelta

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

# PostgreSQL's bound on a time-zone displacement (real offsets lie within -12:00 and +14:00).
MAX_OFFSET = timedelta(hours=15, minutes=59)
EARLIEST, LATEST = 1900, 2199


class PlausibleIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value) -> datetime | None:
        try:
            moment = super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Enter a valid date and time (ISO 8601).") from None
        if moment is None:
            return None
        offset = moment.utcoffset() or timedelta()
        if abs(offset) > MAX_OFFSET:
            raise forms.ValidationError("A time-zone offset lies within -15:59 and +15:59.")
        if not EARLIEST <= moment.year <= LATEST:
            raise forms.ValidationError(f"A year lies within {EARLIEST} and {LATEST}.")
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time filter that refuses offsets and years no database column can hold."""

    field_class = PlausibleIsoDateTimeField

"""The auditor's custody feed: every event in scope, filtered by actor, site, kind and period,
as a table and as a streamed CSV of the whole filtered result."""

import django_filters
import django_tables2 as tables
from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from lims.api.renderers import stream_queryset_csv
from lims.choices import Role
from lims.templatetags.workbench import local
from lims.web.pages import role_required
from specimens.api.serializers import CustodyEventSerializer
from specimens.filtersets import CustodyEventFilter
from specimens.models import CustodyEvent

AUDITOR = Role.AUDITOR
_DAY = forms.DateInput(attrs={"type": "date"})


class FeedFilter(CustodyEventFilter):
    """The API's custody filters, with the period as days (UTC) a date picker can give."""

    since = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From (UTC day)", widget=_DAY
    )
    until = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To (UTC day)", widget=_DAY
    )


class EventTable(tables.Table):
    at = tables.Column(verbose_name="When")
    specimen = tables.Column(accessor="specimen__barcode", verbose_name="Tube")
    seq = tables.Column(verbose_name="#")
    kind = tables.Column()
    actor = tables.Column(accessor="actor__username", verbose_name="Who")
    site = tables.Column(accessor="site__code", verbose_name="Where")
    ref = tables.Column(verbose_name="Ref")
    details = tables.Column(orderable=False)

    class Meta:
        attrs = {"class": "events"}
        orderable = False
        empty_text = "No event matches these filters."

    def render_at(self, record):
        return local(record.at, record.site.time_zone)

    def render_specimen(self, value):
        return format_html('<a href="{}">{}</a>', reverse("tube", args=[value]), value)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_details(self, value):
        return ", ".join(f"{key}={item}" for key, item in value.items())


def _feed(request) -> FeedFilter:
    events = (
        CustodyEvent.objects.for_user(request.user)
        .select_related("specimen", "actor", "site")
        .order_by("-at", "-pk")
    )
    return FeedFilter(request.GET or None, queryset=events, request=request)


@require_safe
@role_required(AUDITOR)
def feed(request):
    found = _feed(request)
    if found.is_bound and not found.is_valid():
        return render(request, "specimens/audit_feed.html", {"filter": found}, status=400)
    table = EventTable(found.qs)
    tables.RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "specimens/audit_feed.html",
        {"filter": found, "table": table, "query": request.GET.urlencode()},
    )


@require_safe
@role_required(AUDITOR)
def feed_csv(request):
    """The whole filtered result, streamed row by row (no page limit)."""
    found = _feed(request)
    if found.is_bound and not found.is_valid():
        return render(request, "specimens/audit_feed.html", {"filter": found}, status=400)
    # The API's export, so that the page's file and the API's carry the same columns.
    events = found.qs.prefetch_related("signatures")
    return stream_queryset_csv(events, CustodyEventSerializer, filename="custody-events.csv")

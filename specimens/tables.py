"""The work queue's lists as django-tables2 tables: one table class for every list of orders."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from lims.templatetags.workbench import local
from specimens.choices import OrderStatus


def next_step(order) -> str:
    """What the phlebotomist does next with ``order``, in a few words."""
    if order.status == OrderStatus.OPEN:
        return "Print labels and collect"
    if order.status == OrderStatus.COLLECTED:
        return "Process, then finalize"
    if order.status == OrderStatus.PROCESSED:
        return "Finalize"
    if order.status == OrderStatus.FINALIZED:
        return "Pack into a shipment"
    if order.status == OrderStatus.UNLOCKED:
        return "Amend, then finalize again"
    return "Nothing: cancelled"


class OrderTable(tables.Table):
    code = tables.Column(verbose_name="Order")
    participant = tables.Column(accessor="participant__participant_id", verbose_name="Participant")
    status = tables.Column()
    next = tables.Column(empty_values=(), orderable=False, verbose_name="Next")
    tubes = tables.Column(empty_values=(), orderable=False, verbose_name="Tubes")
    created_at = tables.Column(verbose_name="Created")

    class Meta:
        attrs = {"class": "orders"}
        orderable = False
        empty_text = "None."

    def render_code(self, value):
        return format_html('<a href="{}">{}</a>', reverse("order", args=[value]), value)

    def render_participant(self, value):
        return format_html('<a href="{}">{}</a>', reverse("participant", args=[value]), value)

    def render_status(self, record):
        return format_html(
            '<span class="badge {}">{}</span>', record.status, record.get_status_display()
        )

    def render_next(self, record):
        return next_step(record)

    def render_created_at(self, record, value):
        return local(value, record.site.time_zone)

    def render_tubes(self, record):
        return len(record.specimens.all())

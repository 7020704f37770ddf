"""Allocation of numbered IDs (specimens, orders) from a locked counter: unique under races."""

from django.conf import settings
from django.db import transaction

from barcode_printing.ids import format_id
from specimens.models import IdentifierCounter


def allocate_numbers(series: str, count: int) -> range:
    """``count`` fresh numbers of ``series``; concurrent callers wait on the counter's row lock."""
    with transaction.atomic():
        counter, _ = IdentifierCounter.objects.select_for_update().get_or_create(name=series)
        first = counter.last_value + 1
        counter.last_value += count
        counter.save(update_fields=["last_value"])
    return range(first, first + count)


def allocate_specimen_ids(count: int) -> list[str]:
    prefix = settings.LIMS_ID_PREFIX
    return [format_id(prefix, number) for number in allocate_numbers(f"specimen:{prefix}", count)]


def allocate_order_code() -> str:
    return f"ORD-{allocate_numbers('order', 1)[0]:07d}"

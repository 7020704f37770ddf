"""What the apps built on specimens add to a specimen: fields of its representation and filters
of its list.

specimens never names the apps that use it (ARCHITECTURE §3), not even in ORM strings: an app
that knows something of a tube (its storage slot, its shipment) registers it here from its
AppConfig.ready(), with what a list must fetch for it, so that a list's queries stay as many
however many tubes it holds.
"""

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework import serializers


@dataclass(frozen=True)
class SpecimenField:
    """A field of the specimen representation that another app answers.

    ``field`` is a read-only serializer field class given the whole specimen (``source="*"``);
    ``fetch`` joins or prefetches, on a queryset of specimens, what that field reads;
    ``fetch_one`` narrowly (annotations, no wide join), on the one-row read of a scan, or
    nothing when the field reads what it needs itself.
    """

    field: type[serializers.Field]
    fetch: Callable[[QuerySet], QuerySet]
    fetch_one: Callable[[QuerySet], QuerySet] | None = None


_FIELDS: dict[str, SpecimenField] = {}
_FILTERS: dict[str, django_filters.Filter] = {}


def _add(registry: dict, name: str, entry) -> None:
    if registry.setdefault(name, entry) is not entry:
        raise ImproperlyConfigured(f"Two apps add {name!r} to the specimen")


def add_field(name: str, *, field: type[serializers.Field], fetch, fetch_one=None) -> None:
    """Add ``name`` to every specimen's representation (lists, details, orders' tubes)."""
    _add(_FIELDS, name, SpecimenField(field, fetch, fetch_one))


def add_filter(name: str, filter_: django_filters.Filter) -> None:
    """Add ``?name=`` to the specimen list."""
    _add(_FILTERS, name, filter_)


def fields() -> dict[str, serializers.Field]:
    """A new instance of each added field, as a serializer declares them."""
    return {name: added.field(source="*", read_only=True) for name, added in _FIELDS.items()}


def fetch(queryset: QuerySet) -> QuerySet:
    """``queryset`` with what every added field reads."""
    for added in _FIELDS.values():
        queryset = added.fetch(queryset)
    return queryset


def fetch_one(queryset: QuerySet) -> QuerySet:
    """``queryset`` (one row: a scan) with what the added fields read, narrowly."""
    for added in _FIELDS.values():
        if added.fetch_one is not None:
            queryset = added.fetch_one(queryset)
    return queryset


def filters() -> dict[str, django_filters.Filter]:
    return dict(_FILTERS)


@dataclass(frozen=True)
class Link:
    """A page another app holds about a tube, shown on the tube page: ``label`` then ``text``."""

    label: str
    text: str
    url: str


_LINKS: dict[str, Callable] = {}


def add_links(name: str, links: Callable) -> None:
    """Show ``links(specimens)`` (a list of ``Link`` by specimen key, for the specimens that
    have any) on the tube page and in the custody reports; read for many tubes at once, so that
    a report's queries stay as many however many tubes it holds."""
    _add(_LINKS, name, links)


def links(specimens: list) -> dict[int, list[Link]]:
    """Every added link of each of ``specimens``, by specimen key."""
    found: dict[int, list[Link]] = {specimen.pk: [] for specimen in specimens}
    for linked in _LINKS.values():
        for pk, extra in linked(specimens).items():
            found[pk].extend(extra)
    return found

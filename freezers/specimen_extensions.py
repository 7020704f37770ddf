"""What freezers adds to a specimen (see specimens.extensions): its ``storage`` slot in the
representation and the ``?box=`` filter of the specimen list."""

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from freezers.models import Placement
from specimens import extensions
from specimens.choices import SpecimenStatus

IN_STORAGE = frozenset({SpecimenStatus.STORED, SpecimenStatus.CHECKED_OUT})


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "The tube's slot, {box, position, path}, while it is in storage.",
    }
)
class StorageField(serializers.Field):
    """The slot of a tube in storage (reserved while it is checked out); tubes that left
    storage have none."""

    def to_representation(self, specimen) -> dict | None:
        if specimen.status not in IN_STORAGE:
            return None
        if type(specimen).placement.is_cached(specimen):
            placement = getattr(specimen, "placement", None)
        else:
            # A scan's one tube, read without the list's joins: its slot, narrowly.
            placement = _slots().filter(specimen=specimen.pk).first()
        return placement.as_storage() if placement is not None else None


def _slots():
    return Placement.objects.select_related("box__box_type", "box__rack__freezer__site")


def _with_slot(queryset):
    return queryset.select_related(
        "placement__box__box_type", "placement__box__rack__freezer__site"
    )


extensions.add_field("storage", field=StorageField, fetch=_with_slot)
extensions.add_filter(
    "box",
    django_filters.CharFilter(
        field_name="placement__box__code", help_text="Box code (BOX-…): the tubes in that box."
    ),
)


def _slot_links(specimens) -> dict[int, list[extensions.Link]]:
    """Each stored tube's slot, opened through the header search (the box's page answers it)."""
    stored = [specimen.pk for specimen in specimens if specimen.status in IN_STORAGE]
    if not stored:
        return {}
    links = {}
    for placement in _slots().filter(specimen__in=stored):
        storage = placement.as_storage()
        if storage is not None:
            url = reverse("search") + f"?q={storage['box']}"
            links[placement.specimen_id] = [extensions.Link("Storage", storage["path"], url)]
    return links


extensions.add_links("storage", _slot_links)

"""Reads of the specimen core that are more than one line: history diffs and list querysets."""

from collections.abc import Iterator

from django.db.models import OuterRef, Prefetch

from barcode_printing.selectors import latest_job_annotations
from lims.choices import Role
from lims.scoping import scope_of
from specimens import extensions
from specimens.models import Participant, Specimen

_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# The keys of each change ``field_history`` yields, in order (the columns of its CSV).
HISTORY_FIELDS = ("at", "user", "reason", "type", "changes")


def specimen_list(queryset):
    """Specimens with everything their representation reads (the fields other apps add
    included), in a fixed number of queries."""
    queryset = queryset.select_related(
        "type", "participant", "order", "parent", "collection_site", "current_site"
    ).prefetch_related("children")
    return extensions.fetch(queryset)


def order_list(queryset):
    """Orders with their tubes, each tube fetched with its relations in one joined query, and
    the newest print job of their labels (annotated, so that a failed print is never silent)."""
    tubes = specimen_list(Specimen.objects.all())
    labelled = Specimen.objects.filter(order=OuterRef(OuterRef("pk")), parent__isnull=True)
    return (
        queryset.select_related("participant", "site", "tube_set")
        .prefetch_related(Prefetch("specimens", queryset=tubes))
        .annotate(**latest_job_annotations(labelled.values("barcode")))
    )


def field_history(instance) -> Iterator[dict]:
    """Each historical change of ``instance``: who, when, why, and field-level old → new, read
    in chunks, so that even a long history is never held whole."""
    records = instance.history.select_related("history_user").order_by("history_date", "history_id")
    previous = None
    for record in records.iterator(chunk_size=1000):
        fields = (
            []
            if previous is None
            else [
                {"field": change.field, "old": _plain(change.old), "new": _plain(change.new)}
                for change in record.diff_against(previous).changes
            ]
        )
        yield {
            "at": record.history_date,
            "user": record.history_user.username if record.history_user else None,
            "reason": record.history_change_reason,
            "type": _HISTORY_TYPES[record.history_type],
            "changes": fields,
        }
        previous = record


def _plain(value):
    return (
        value if value is None or isinstance(value, bool | int | float | str | list) else str(value)
    )


def participants_drawn_by(user):
    """Participants registered where ``user`` draws blood: the only staff who see their
    participant IDs and open their pages."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Participant.objects.all()
    return Participant.objects.filter(
        registered_site__in=scope.sites_with_role([Role.PHLEBOTOMIST])
    )

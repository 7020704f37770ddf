"""Reads of the specimen core that are more than one line: history diffs and list querysets."""

from collections.abc import Iterator
from itertools import groupby, islice

from django.db.models import (
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    prefetch_related_objects,
)

from barcode_printing.selectors import latest_job_annotations
from lims import notes
from lims.choices import Role
from lims.compiled import Compiled, Given
from lims.scoping import scope_of
from specimens import extensions
from specimens.models import CollectionOrder, CustodyEvent, Participant, Signature, Specimen

_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# The keys of each change ``field_history`` yields, in order (the columns of its CSV).
HISTORY_FIELDS = ("at", "user", "reason", "type", "changes")


# The relations of a specimen's representation that one join reaches.
_ONE_EACH = ("type", "participant", "order", "parent", "collection_site", "current_site")


def _signed_events():
    return CustodyEvent.objects.filter(
        Exists(Signature.objects.filter(event=OuterRef("pk")))
    ).prefetch_related("signatures")


def specimen_list(queryset):
    """Specimens with everything their representation reads (the fields other apps add
    included), in a fixed number of queries."""
    queryset = queryset.select_related(*_ONE_EACH).prefetch_related(
        "children",
        Prefetch("custody_events", _signed_events(), to_attr="signed_events"),
        "hold_text",
    )
    return extensions.fetch(queryset)


def locked_for_scan(user, barcode: str) -> Specimen | None:
    """The tube ``barcode`` among those ``user`` sees, locked for update, with what the
    lifecycle and the scan's answer read, in one narrow statement (None: no such tube in
    scope). The services take it as locked; ``scan_answers`` completes it."""
    return _locked_tube.first(scope_of(user), barcode=barcode)


@Compiled
def _locked_tube(scope):
    return _narrow(_scanned(scope)).order_by().select_for_update(of=("self",))


def locked_tube(user, barcode: str) -> Specimen | None:
    """The tube ``barcode`` among those ``user`` sees, locked as ``Specimen.objects.lock()``
    locks it, with its order, in one compiled statement (None: no such tube in scope)."""
    return _locked_plain.first(scope_of(user), barcode=barcode)


@Compiled
def _locked_plain(scope):
    return _scanned(scope).select_related("order").locking()


def _scanned(scope):
    """The tube of the scanned ``barcode`` (given at each call) among ``scope``'s."""
    return Specimen.objects.for_scope(scope).filter(barcode=Given("barcode", CharField()))


def _narrow(queryset, one_each=_ONE_EACH):
    """Specimens with their one-each relations, and what the lists of their representation
    hold only looked for: not ``specimen_list``, whose wide joins and prefetches a scan's
    answer must not cost on every scan (``scan_answers`` reads the lists a tube has)."""
    return extensions.fetch_one(
        queryset.select_related(*one_each).annotate(
            has_children=Exists(Specimen.objects.filter(parent=OuterRef("pk"))),
            has_signatures=Exists(Signature.objects.filter(event__specimen=OuterRef("pk"))),
        )
    )


def scan_answers(specimens: list[Specimen]) -> list[Specimen]:
    """Specimens read by ``_narrow``, ready for their representation: children and signed
    events read only for the tubes that have any (the representation reads ``has_children``),
    and hold reasons held as notes (no query when no tube has one)."""
    held = [specimen for specimen in specimens if notes.referenced(specimen.hold_reason)]
    if held:
        prefetch_related_objects(held, "hold_text")
    with_children = [specimen for specimen in specimens if specimen.has_children]
    if with_children:
        prefetch_related_objects(with_children, "children")
    signed = [specimen for specimen in specimens if specimen.has_signatures]
    for specimen in specimens:
        specimen.signed_events = []
    if signed:
        prefetch_related_objects(
            signed, Prefetch("custody_events", _signed_events(), to_attr="signed_events")
        )
    return specimens


def locked_order_for_scan(user, code: str) -> CollectionOrder | None:
    """The order ``code`` among those ``user`` sees, locked for update in one statement with
    what its lifecycle and its answer read of it (``order_scan_answer`` adds its tubes)."""
    return _locked_order.first(scope_of(user), code=code)


@Compiled
def _locked_order(scope):
    order = CollectionOrder.objects.for_scope(scope).filter(code=Given("code", CharField()))
    return _order_annotated(order).order_by().select_for_update(of=("self",))


def order_scan_answer(order: CollectionOrder) -> CollectionOrder:
    """``order`` from ``locked_order_for_scan`` with its ``tubes`` as the step left them
    (``locked_order_tubes``), and one more query for each list some tube has."""
    # Locked in key order; answered in the order the order's representation lists them.
    order.tubes = scan_answers(sorted(order.tubes, key=lambda tube: tube.barcode))
    return order


def locked_order_tubes(order: CollectionOrder) -> list[Specimen]:
    """Every tube of ``order``, locked in key order, read as a scan's answer reads them, in one
    compiled statement; each holds ``order`` itself, and the participant and site read with it
    (``lock_order`` and ``locked_order_for_scan`` read them)."""
    tubes = _locked_order_tubes(order=order.pk)
    for tube in tubes:
        tube.order = order
        # The order's own participant and site, not a copy of each read with every tube.
        if tube.participant_id == order.participant_id:
            tube.participant = order.participant
        if tube.collection_site_id == order.site_id:
            tube.collection_site = order.site
    return tubes


@Compiled
def _locked_order_tubes(_key):
    tubes = Specimen.objects.filter(order=Given("order", IntegerField()))
    return _narrow(tubes, one_each=_ORDER_TUBE_EACH).locking()


# What differs from tube to tube of one order (``locked_order_tubes`` gives them the rest).
_ORDER_TUBE_EACH = ("type", "parent", "current_site")


def _order_annotated(queryset):
    labelled = Specimen.objects.filter(order=OuterRef(OuterRef("pk")), parent__isnull=True)
    return queryset.select_related("participant", "site", "tube_set").annotate(
        **latest_job_annotations(labelled.values("barcode"))
    )


def signatures_of(specimen: Specimen) -> list[Signature]:
    """Every signature on ``specimen``'s trail, in trail order (from ``specimen_list`` or
    ``scan_answers``)."""
    return [
        signature
        for event in specimen.signed_events
        for signature in sorted(event.signatures.all(), key=lambda s: (s.signed_at, s.pk))
    ]


def order_list(queryset):
    """Orders with their ``tubes``, each tube fetched with its relations in one joined query, and
    the newest print job of their labels (annotated, so that a failed print is never silent)."""
    tubes = specimen_list(Specimen.objects.all())
    return _order_annotated(queryset).prefetch_related(
        Prefetch("specimens", queryset=tubes, to_attr="tubes")
    )


def field_history(instance, *, shown=None) -> Iterator[dict]:
    """Each historical change of ``instance``: who, when, why, and field-level old → new (each
    value as ``shown`` writes it; plain JSON values by default), read in chunks, so that even a
    long history is never held whole."""
    noted = notes.noted_fields(type(instance))
    records = instance.history.select_related("history_user").order_by("history_date", "history_id")
    rows = _with_notes(records.iterator(chunk_size=1000), noted, 1000)
    return _entries(rows, shown or plain, noted)


def field_histories(instances: list, *, shown) -> dict[int, list[dict]]:
    """``field_history`` of each of ``instances`` (of one model) by primary key, read together:
    as many queries for two tubes as for forty. ``shown(instance)`` writes its values."""
    if not instances:
        return {}
    model = type(instances[0])
    key = model._meta.pk.attname
    noted = notes.noted_fields(model)
    records = (
        model.history.filter(**{f"{key}__in": [i.pk for i in instances]})
        .select_related("history_user")
        .order_by(key, "history_date", "history_id")
    )
    by_key = {i.pk: i for i in instances}
    rows = _with_notes(records.iterator(chunk_size=1000), noted, 1000)
    found = {
        pk: list(_entries(group, shown(by_key[pk]), noted))
        for pk, group in groupby(rows, key=lambda row: getattr(row[0], key))
    }
    return {i.pk: found.get(i.pk, []) for i in instances}


def _entries(rows: Iterator[tuple], shown, noted: list[str]) -> Iterator[dict]:
    """One instance's history rows, oldest first, each with the notes it refers to, as changes."""
    previous = None
    for record, found in rows:
        yield {
            "at": record.history_date,
            "user": record.history_user.username if record.history_user else None,
            "reason": notes.reason_shown(record.history_change_reason, found),
            "type": _HISTORY_TYPES[record.history_type],
            "changes": [] if previous is None else _changes(record, previous, shown, noted, found),
        }
        previous = record


def _changes(record, previous, shown, noted: list[str], found: dict) -> list[dict]:
    def read(field, value):
        # A field holding a note's digest is shown as its text, or as its redaction.
        return shown(notes.reason_shown(value, found) if field in noted else value)

    return [
        {"field": c.field, "old": read(c.field, c.old), "new": read(c.field, c.new)}
        for c in record.diff_against(previous).changes
    ]


def _with_notes(records: Iterator, fields: list[str], size: int) -> Iterator[tuple]:
    """Each history row with the notes its reason and its noted ``fields`` refer to, and those
    of the row before it (which it is compared with): one query per ``size`` rows."""
    before: list = []
    while chunk := list(islice(records, size)):
        found = notes.lookup_history(before + chunk, fields)
        for record in chunk:
            yield record, found
        before = chunk[-1:]


def plain(value):
    """``value`` as JSON holds it: times and decimals as their text."""
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

"""Tube labels: what a specimen's label shows, the specimen sources of POST labels/, and
printing an order's labels when it is created."""

import zoneinfo

from django.utils import timezone

from barcode_printing.choices import PrinterKind
from barcode_printing.ids import parse_id
from barcode_printing.layouts import LabelData, repeat
from barcode_printing.models import Printer, PrintJob
from barcode_printing.services import print_labels
from barcode_printing.sources import LabelBatch, label_source, one_site
from lims.errors import InvalidInput, NotFound
from lims.models import Site, User
from specimens.models import CollectionOrder, Specimen


def specimen_label_data(specimen: Specimen) -> list[LabelData]:
    """The labels one tube takes (a urine cup two): ID, tube code, biobank ID, collection date.

    Never the participant ID: the biobank must not see it. Before the draw the date is the
    order's (the visit's), in the collection site's time zone.
    """
    when = specimen.collected_at or (specimen.order or specimen).created_at
    day = timezone.localtime(when, zoneinfo.ZoneInfo(specimen.collection_site.time_zone))
    data = LabelData(
        payload=specimen.barcode,
        lines=(specimen.type.code, specimen.participant.biobank_id, day.date().isoformat()),
    )
    return repeat([data], specimen.type.labels_per_tube)


def _batch(specimens: list[Specimen]) -> LabelBatch:
    """The tubes' labels; the job belongs to the one site that holds them."""
    if not specimens:
        raise InvalidInput("There are no tubes to label.")
    return LabelBatch(
        ids=tuple(specimen.barcode for specimen in specimens),
        labels=tuple(label for specimen in specimens for label in specimen_label_data(specimen)),
        site=one_site({specimen.current_site for specimen in specimens}),
    )


def _labelled(queryset):
    return queryset.select_related(
        "type", "participant", "order", "collection_site", "current_site"
    )


@label_source("ids")
def labels_for_ids(user: User, texts: list[str]) -> LabelBatch:
    """Labels for the given specimen IDs, in the order given; unknown or unseen IDs are 404."""
    wanted = list(dict.fromkeys(parse_id(text) for text in texts))
    found = {
        s.barcode: s for s in _labelled(Specimen.objects.for_user(user).filter(barcode__in=wanted))
    }
    missing = [barcode for barcode in wanted if barcode not in found]
    if missing:
        raise NotFound(
            f"No specimen {', '.join(missing)} among those you can see.",
            errors={"ids": [f"Unknown: {', '.join(missing)}."]},
        )
    return _batch([found[barcode] for barcode in wanted])


@label_source("order")
def labels_for_order(user: User, code: str) -> LabelBatch:
    """The tube labels of an order (not of aliquots taken from its tubes)."""
    order = CollectionOrder.objects.for_user(user).filter(code=code.strip().upper()).first()
    if order is None:
        raise NotFound(f"No order {code} among those you can see.", errors={"order": ["Unknown."]})
    return _order_batch(order)


def _order_batch(order: CollectionOrder) -> LabelBatch:
    return _batch(list(_labelled(order.specimens.filter(parent__isnull=True))))


def print_order_labels(actor: User, order: CollectionOrder) -> PrintJob | None:
    """Print a new order's tube labels on its site's default label printer, if it has one."""
    return print_on_site_printer(actor, order.site, _order_batch(order))


def print_on_site_printer(actor: User, site: Site, batch: LabelBatch) -> PrintJob | None:
    """Print ``batch`` on ``site``'s default label printer; None when it has none.

    A PDF printer is left to the user, who downloads the file when they want it: recording
    it as printed here would make their first print a reprint.
    """
    printer = Printer.objects.default_for(site)
    if printer is None or printer.kind == PrinterKind.PDF:
        return None
    job, _ = print_labels(actor=actor, batch=batch, printer=printer)
    return job

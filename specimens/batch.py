"""The scans of the specimen core that a batch may carry (see lims.api.batch): weighings and
collections."""

from django.http import Http404

from barcode_printing.ids import parse_id
from lims.api.batch import Batchable, Scan, one_by_one, register
from lims.errors import DomainError
from specimens import selectors, services
from specimens.api import serializers as s
from specimens.models import CollectionOrder, Specimen


def weigh(*, actor, scans: list[Scan]) -> list[Specimen | Exception]:
    """Weighings: one lookup, one write and one read for all. A tube named again is weighed
    again, after the others."""
    outcomes: list[Specimen | Exception | None] = [None] * len(scans)
    first: dict[str, int] = {}
    again = []
    for index, scan in enumerate(scans):
        try:
            barcode = parse_id(scan.args["barcode"])
        except DomainError as error:
            outcomes[index] = error
            continue
        if barcode in first:
            again.append(index)
        else:
            first[barcode] = index
    found = Specimen.objects.for_user(actor).in_bulk(list(first), field_name="barcode")
    weighings = {}
    for barcode, index in first.items():
        if barcode in found:
            data = scans[index].data
            weighings[index] = services.Weighing(found[barcode], data["grams"], data["device"])
        else:
            outcomes[index] = Http404()
    weighed = services.specimens_weigh(actor=actor, weighings=list(weighings.values()))
    tubes = [tube.pk for tube in weighed if isinstance(tube, Specimen)]
    fresh = selectors.specimen_list(Specimen.objects.filter(pk__in=tubes)).in_bulk()
    for index, outcome in zip(weighings, weighed, strict=True):
        outcomes[index] = fresh[outcome.pk] if isinstance(outcome, Specimen) else outcome
    if again:
        later = weigh(actor=actor, scans=[scans[index] for index in again])
        for index, outcome in zip(again, later, strict=True):
            outcomes[index] = outcome
    return outcomes


def _collect(*, actor, scan: Scan) -> CollectionOrder:
    order = CollectionOrder.objects.for_user(actor).filter(code=scan.args["code"]).first()
    if order is None:
        raise Http404
    services.order_collect(actor=actor, order=order, **scan.data)
    return selectors.order_list(CollectionOrder.objects.filter(pk=order.pk)).get()


register(
    Batchable(
        route="specimen-weigh", body=s.WeighSerializer, apply=weigh, answer=s.SpecimenSerializer
    )
)
register(
    Batchable(
        route="order-collect",
        body=s.CollectSerializer,
        apply=one_by_one(_collect),
        answer=s.OrderSerializer,
    )
)

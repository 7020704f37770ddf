"""The scans of shipments that a batch may carry (see lims.api.batch): packing a tube into a
shipment and receiving one at the biobank."""

from itertools import groupby

from django.http import Http404

from lims.api.batch import Batchable, Scan, one_by_one, register
from lims.models import User
from shipments import packing, receipt
from shipments.api import serializers as s
from shipments.models import Shipment, ShipmentItem


def _shipment(actor: User, code: str) -> Shipment | None:
    shipments = Shipment.objects.for_user(actor).select_related("origin", "destination")
    return shipments.filter(code=code.strip().upper()).first()


def _pack(*, actor: User, scan: Scan) -> ShipmentItem:
    shipment = _shipment(actor, scan.args["code"])
    if shipment is None:
        raise Http404
    return packing.shipment_add_item(
        actor=actor,
        shipment=shipment,
        barcode=scan.data["id"],
        inner_box=scan.data.get("inner_box"),
        position=scan.data.get("position", ""),
    )


def receive(*, actor: User, scans: list[Scan]) -> list[receipt.Received | Exception]:
    """Receipt scans: those of one shipment are checked in order and written together."""
    outcomes: list[receipt.Received | Exception] = []
    for code, same in groupby(scans, key=lambda scan: scan.args["code"].strip().upper()):
        receipts = [
            receipt.Receipt(scan.data["id"], scan.data["damaged"], scan.data.get("reference", ""))
            for scan in same
        ]
        shipment = _shipment(actor, code)
        if shipment is None:
            outcomes += [Http404()] * len(receipts)
        else:
            outcomes += receipt.shipment_receive_many(
                actor=actor, shipment=shipment, receipts=receipts
            )
    return outcomes


register(
    Batchable(
        route="shipment-items",
        body=s.ItemSerializer,
        apply=one_by_one(_pack),
        answer=s.PackedItemSerializer,
        status=201,
    )
)
register(
    Batchable(
        route="shipment-receive",
        body=s.ReceiveSerializer,
        apply=receive,
        answer=s.ReceiptSerializer,
    )
)

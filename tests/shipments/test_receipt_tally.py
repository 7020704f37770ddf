"""A shipment's receipt tally is kept by the database (shipments.tally): it counts the manifest
as a recount would after every packing, removal, receipt, closing and straggler, and after writes
the application never makes; the migration counts the shipments that exist."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from shipments import dispatch, packing, receipt, selectors
from shipments.choices import DiscrepancyKind, ReceiptStatus
from shipments.models import Discrepancy, ReceiptTally, ShipmentItem

pytestmark = pytest.mark.django_db

COLUMNS = ("pending", "received", "damaged", "missing", "unexpected")


def _kept(shipment) -> dict:
    tally = ReceiptTally.objects.get(shipment=shipment)
    return {column: getattr(tally, column) for column in COLUMNS}


def _recounted(shipment) -> dict:
    lines = ShipmentItem.objects.filter(shipment=shipment)
    counted = {status: lines.filter(receipt_status=status).count() for status in COLUMNS[:4]}
    unexpected = Discrepancy.objects.filter(shipment=shipment, kind=DiscrepancyKind.UNEXPECTED)
    return {**counted, "unexpected": unexpected.count()}


def _holds(shipment, **expected) -> None:
    counts = {column: expected.get(column, 0) for column in COLUMNS}
    assert _kept(shipment) == _recounted(shipment) == counts


def test_the_tally_follows_a_shipment_from_packing_to_a_straggler(
    shipment, finalized, pack, phleb_north, tech
):
    _holds(shipment)
    tubes = finalized("1ED10", "2ED10", "1UR10", "1ED04")
    pack(shipment, tubes)
    _holds(shipment, pending=4)
    packing.shipment_remove_item(
        actor=phleb_north, shipment=shipment, barcode=tubes[3].barcode, reason="tube cracked"
    )
    _holds(shipment, pending=3)
    dispatch.shipment_dispatch(
        actor=phleb_north, shipment=shipment, courier="fedex", tracking_number="123456789012"
    )
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    receipt.shipment_receive(actor=tech, shipment=shipment, barcode=tubes[0].barcode)
    receipt.shipment_receive(actor=tech, shipment=shipment, barcode=tubes[1].barcode, damaged=True)
    stranger = finalized("1ED10")[0]
    receipt.shipment_receive(actor=tech, shipment=shipment, barcode=stranger.barcode)
    _holds(shipment, pending=1, received=1, damaged=1, unexpected=1)
    receipt.shipment_close(actor=tech, shipment=shipment)
    _holds(shipment, received=1, damaged=1, missing=1, unexpected=1)
    receipt.shipment_receive(
        actor=tech, shipment=shipment, barcode=tubes[2].barcode, reference="INC-4411"
    )
    _holds(shipment, received=2, damaged=1, unexpected=1)
    assert selectors.receipt_counts(shipment) == {
        "expected": 3,
        "received": 2,
        "damaged": 1,
        "missing": 0,
        "unexpected": 1,
    }


def test_writes_the_application_never_makes_are_counted_too(shipment, finalized, pack):
    first, second = finalized("1ED10", "2ED10")
    pack(shipment, [first, second])
    line = ShipmentItem.objects.get(specimen=first)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE shipments_shipmentitem SET receipt_status = %s WHERE id = %s",
            [ReceiptStatus.MISSING, line.pk],
        )
        _holds(shipment, pending=1, missing=1)
        cursor.execute("DELETE FROM shipments_shipmentitem WHERE id = %s", [line.pk])
    _holds(shipment, pending=1)


@pytest.mark.db_superuser  # creates triggers, as the migrating owner does: not the app role
def test_the_migration_counts_the_shipments_that_exist(shipment, finalized, pack):
    pack(shipment, finalized("1ED10", "2ED10"))
    migration = importlib.import_module("shipments.migrations.0002_receipt_tally")
    operation = migration.Migration.operations[-1]
    # The migration's code reads only the schema editor's connection.
    editor = SimpleNamespace(connection=connection)
    operation.reverse_code(None, editor)
    ReceiptTally.objects.all().delete()
    pack(shipment, finalized("1UR10"))
    operation.code(None, editor)
    _holds(shipment, pending=3)

"""Two people packing or dispatching one shipment at once take turns (PostgreSQL row locks)."""

import pytest
from django.db import connection

from lims.errors import DomainError
from shipments import dispatch, packing
from shipments.models import Shipment, ShipmentItem
from specimens.models import CustodyEvent, Specimen
from tests.helpers import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serializes"
    ),
]


def _dispatch(actor, shipment, tracking):
    return lambda: dispatch.shipment_dispatch(
        actor=actor, shipment=shipment, courier="fedex", tracking_number=tracking
    )


def test_two_dispatches_one_wins(tube_catalog, phleb_north, shipment, finalized, pack):
    tubes = finalized("1SST8", "1ED10", "1UR10")
    pack(shipment, tubes)
    outcomes = race(
        [
            _dispatch(phleb_north, shipment, "111111111114"),
            _dispatch(phleb_north, shipment, "222222222228"),
        ]
    )
    won = [o for o in outcomes if isinstance(o, Shipment)]
    lost = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code == "shipment_dispatched"
    shipment.refresh_from_db()
    assert shipment.tracking_number == won[0].tracking_number
    assert set(Specimen.objects.values_list("status", flat=True)) == {"in_transit"}
    assert CustodyEvent.objects.filter(kind="dispatched").count() == 3
    assert shipment.history.filter(status="dispatched").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_packing_while_dispatching_never_strands_a_tube(
    tube_catalog, phleb_north, shipment, finalized, pack, attempt
):
    first, late = finalized("1ED10", "2ED10")
    pack(shipment, [first])
    outcomes = race(
        [
            lambda: packing.shipment_add_item(
                actor=phleb_north, shipment=shipment, barcode=late.barcode
            ),
            _dispatch(phleb_north, shipment, "123456789012"),
        ]
    )
    assert isinstance(outcomes[1], Shipment)
    late.refresh_from_db()
    if isinstance(outcomes[0], DomainError):
        assert outcomes[0].code == "shipment_dispatched"
        assert late.status == "collected"
        assert not ShipmentItem.objects.filter(specimen=late).exists()
    else:
        assert late.status == "in_transit"
    assert set(
        Specimen.objects.filter(shipment_items__shipment=shipment).values_list("status", flat=True)
    ) == {"in_transit"}


def test_one_tube_packed_into_two_shipments_at_once_lands_in_one(
    tube_catalog, phleb_north, north, biobank, shipment, finalized
):
    tube = finalized("1ED10")[0]
    other = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )
    outcomes = race(
        [
            lambda s=s: packing.shipment_add_item(
                actor=phleb_north, shipment=s, barcode=tube.barcode
            )
            for s in (shipment, other)
        ]
    )
    errors = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(errors) == 1 and errors[0].code == "already_in_shipment"
    assert ShipmentItem.objects.filter(specimen=tube, open=True).count() == 1
    assert CustodyEvent.objects.filter(specimen=tube, kind="packed").count() == 1

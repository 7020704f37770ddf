"""Finalized tubes ready to ship, and shipments built through the services."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from shipments import dispatch, packing
from specimens import services

NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}
_participants = count(1)


@pytest.fixture
def finalized(phleb_north, north):
    """``finalized(*codes)``: a new participant's order at SITE-NORTH, collected 90 minutes
    ago, processed an hour later where the tube needs it, finalized; answers its tubes."""

    def make(*codes, site=None, who=None, finalize=True):
        site, who = site or north, who or phleb_north
        person = services.participant_register(
            actor=who, participant_id=f"P{next(_participants):09d}", site=site
        )
        order = services.order_create(
            actor=who, participant=person, site=site, tube_codes=list(codes), safety=NO_RISK
        )
        drawn = timezone.now() - timedelta(minutes=90)
        services.order_collect(actor=who, order=order, collected_at=drawn)
        if any(tube.type.needs_processing for tube in order.specimens.all()):
            services.order_process(actor=who, order=order, processed_at=drawn + timedelta(hours=1))
        if finalize:
            services.order_finalize(actor=who, order=order)
        return list(order.specimens.select_related("type").order_by("barcode"))

    return make


@pytest.fixture
def shipment(phleb_north, north, biobank):
    """A refrigerated shipment from SITE-NORTH to the biobank, still packing."""
    return packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )


@pytest.fixture
def pack(phleb_north):
    def put(shipment, tubes, who=None):
        for tube in tubes:
            packing.shipment_add_item(
                actor=who or phleb_north, shipment=shipment, barcode=tube.barcode
            )
        return shipment

    return put


@pytest.fixture
def in_transit(shipment, pack, phleb_north):
    """``in_transit(tubes)``: the shipment packed with ``tubes`` and dispatched by FedEx."""

    def send(tubes):
        pack(shipment, tubes)
        return dispatch.shipment_dispatch(
            actor=phleb_north, shipment=shipment, courier="fedex", tracking_number="123456789012"
        )

    return send

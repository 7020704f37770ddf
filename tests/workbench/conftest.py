"""Signed-in page clients and a participant with an order at SITE-NORTH, built through services."""

import pytest

from specimens import services
from tests.freezers.conftest import (  # noqa: F401  (fixtures)
    aliquot,
    aliquots,
    biobank_admin,
    box,
    box_types,
    make_box,
    make_freezer,
    received,
    ultra,
)
from tests.shipments.conftest import finalized, in_transit, pack, shipment  # noqa: F401  (fixtures)
from tests.specimens.conftest import NO_RISK


@pytest.fixture
def page_for(client):
    """``page_for(user)``: the test client signed in as ``user`` (a browser session)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def person(phleb_north, north):
    return services.participant_register(actor=phleb_north, participant_id="P000000123", site=north)


@pytest.fixture
def order(tube_catalog, phleb_north, north, person):
    """An open order of two tubes: an SST that needs processing and an EDTA that does not."""
    return services.order_create(
        actor=phleb_north,
        participant=person,
        site=north,
        tube_codes=["1SST8", "1ED10"],
        safety=NO_RISK,
    )


@pytest.fixture
def participant(phleb_north, north):
    """The participant whose tubes the freezer fixtures receive and aliquot."""
    return services.participant_register(actor=phleb_north, participant_id="P000900001", site=north)

"""Specimen IDs stay unique when eight phlebotomists create orders at the same moment."""

import threading

import pytest
from django.db import connection

from barcode_printing.ids import parse_id
from lims.choices import Role
from specimens import services
from specimens.models import CollectionOrder, Specimen
from tests.helpers import make_site, make_user
from tests.specimens.conftest import NO_RISK

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_orders_get_distinct_ids(tube_catalog):
    north = make_site("SITE-NORTH")
    phleb = make_user("phleb-north", (north, Role.PHLEBOTOMIST))
    participants = [
        services.participant_register(actor=phleb, participant_id=f"P{n:09d}", site=north)
        for n in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def create(participant):
        try:
            barrier.wait()
            services.order_create(
                actor=phleb,
                participant=participant,
                site=north,
                tube_codes=["1SST8", "1ED10", "1UR10"],
                safety=NO_RISK,
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(p,)) for p in participants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    barcodes = list(Specimen.objects.values_list("barcode", flat=True))
    assert len(barcodes) == len(set(barcodes)) == THREADS * 3
    assert all(parse_id(code) == code for code in barcodes)
    codes = list(CollectionOrder.objects.values_list("code", flat=True))
    assert len(set(codes)) == THREADS

"""Reads compiled once (lims.compiled): the same instances the queryset makes, built once per
key, and a scope that changes is a new key, never a stale filter."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.utils import timezone

from lims.audit import stamp
from lims.choices import Role
from lims.compiled import Compiled, Given
from lims.models import Membership
from specimens import services
from specimens.models import CustodyEvent, Specimen
from tests.helpers import assert_problem
from tests.specimens.conftest import NO_RISK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tube_catalog")]


def _collected(phleb, site, participant_id="P000000101") -> Specimen:
    person = services.participant_register(actor=phleb, participant_id=participant_id, site=site)
    order = services.order_create(
        actor=phleb, participant=person, site=site, tube_codes=["1UR10"], safety=NO_RISK
    )
    services.order_collect(
        actor=phleb, order=order, collected_at=timezone.now() - timedelta(hours=1)
    )
    return order.specimens.get()


def _tubes(site_code):
    return (
        Specimen.objects.filter(barcode=Given("barcode", CharField()))
        .filter(current_site__code=site_code)
        .select_related("type", "participant", "order", "current_site")
        .annotate(has_events=Exists(CustodyEvent.objects.filter(specimen=OuterRef("pk"))))
    )


def test_a_compiled_read_makes_what_the_queryset_makes(phleb_north, north):
    tube = _collected(phleb_north, north)
    read = Compiled(_tubes)

    (found,) = read("SITE-NORTH", barcode=tube.barcode)

    expected = Specimen.objects.get(pk=tube.pk)
    assert found.pk == tube.pk and found.collected_at == expected.collected_at
    assert (found.type.code, found.participant.participant_id) == ("1UR10", "P000000101")
    assert found.order.code == expected.order.code and found.current_site == north
    assert found.has_events is True
    assert read("SITE-NORTH", barcode="BX0000000K") == []
    assert read("SITE-SOUTH", barcode=tube.barcode) == []
    assert read.first("SITE-SOUTH", barcode=tube.barcode) is None
    assert read.first("SITE-NORTH", barcode=tube.barcode).pk == tube.pk


def test_each_key_is_built_once(phleb_north, north):
    tube = _collected(phleb_north, north)
    built = []

    def build(site_code):
        built.append(site_code)
        return _tubes(site_code)

    read = Compiled(build)
    for _ in range(3):
        assert [t.pk for t in read("SITE-NORTH", barcode=tube.barcode)] == [tube.pk]
    read("SITE-SOUTH", barcode=tube.barcode)
    assert built == ["SITE-NORTH", "SITE-SOUTH"]


def test_a_locking_read_compiles_inside_the_callers_transaction(phleb_north, north):
    tube = _collected(phleb_north, north)
    read = Compiled(lambda key: _tubes(key).select_for_update(of=("self",)))
    with transaction.atomic():
        (locked,) = read("SITE-NORTH", barcode=tube.barcode)
    assert locked.pk == tube.pk


def test_a_scan_follows_the_users_scope_as_it_changes(api, phleb_north, north, south):
    """The scan path's compiled lock is keyed by the scope: when a membership ends, the same
    token's next scan no longer finds the tube (404, nothing written)."""
    tube = _collected(phleb_north, north)
    client = api(phleb_north)
    url = f"/api/v1/specimens/{tube.barcode}/weigh/"
    assert client.post(url, {"grams": "12.000"}, format="json").status_code == 200

    membership = Membership.objects.get(user=phleb_north, site=north)
    membership.ended_at = timezone.now()
    stamp(membership, actor=None, reason="moved to the south clinic").save()
    stamp(
        Membership(user=phleb_north, site=south, role=Role.PHLEBOTOMIST), actor=None, reason="x"
    ).save()
    events = CustodyEvent.objects.count()

    assert_problem(client.post(url, {"grams": "13.000"}, format="json"), 404, "not_found")
    tube.refresh_from_db()
    assert tube.weight_g == 12 and CustodyEvent.objects.count() == events

"""Freezers, boxes and tubes at the biobank for the storage tests, built through the services."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from freezers import services
from freezers.models import Box, BoxType
from lims.choices import Role
from specimens import services as specimen_services
from tests.helpers import make_user
from tests.specimens.conftest import NO_RISK
from tests.specimens.helpers import received_at_biobank


@pytest.fixture
def box_types(db):
    """The box types, loaded again by their migration when a transactional test flushed them."""
    if not BoxType.objects.exists():
        migration = importlib.import_module("freezers.migrations.0002_box_types")
        migration.load_box_types(apps, None)
    return {box_type.code: box_type for box_type in BoxType.objects.all()}


@pytest.fixture
def biobank_admin(biobank):
    return make_user("admin-biobank", (biobank, Role.SITE_ADMIN))


@pytest.fixture
def make_freezer(biobank, biobank_admin):
    def make(code="FRZ-80-A", temperature_class="ultra_cold", set_point="-80", **fields):
        return services.freezer_create(
            actor=biobank_admin,
            site=biobank,
            code=code,
            name=f"{code} name",
            kind=fields.pop("kind", "upright_minus80"),
            temperature_class=temperature_class,
            set_point_c=set_point,
            **fields,
        )

    return make


@pytest.fixture
def make_box(tech, box_types):
    """``make_box(freezer, "9x9", rack="R1")``: a box in the named rack, made when missing."""

    def make(freezer, type_code="9x9", rack="R1"):
        found = freezer.racks.filter(name=rack).first() or services.rack_create(
            actor=tech, freezer=freezer, name=rack, kind="rack"
        )
        box = services.box_create(actor=tech, rack=found, box_type=box_types[type_code])
        return Box.objects.with_path().get(pk=box.pk)

    return make


@pytest.fixture
def ultra(make_freezer):
    return make_freezer()


@pytest.fixture
def box(ultra, make_box):
    return make_box(ultra)


@pytest.fixture
def participant(phleb_north, north):
    return specimen_services.participant_register(
        actor=phleb_north, participant_id="P000000001", site=north
    )


@pytest.fixture
def received(phleb_north, tech, biobank, participant, north):
    """``received(code)``: a collected tube of that code, shipped and received at the biobank."""

    def make(code="1ED10", person=None):
        order = specimen_services.order_create(
            actor=phleb_north,
            participant=person or participant,
            site=north,
            tube_codes=[code],
            safety=NO_RISK,
        )
        specimen_services.order_collect(
            actor=phleb_north, order=order, collected_at=timezone.now() - timedelta(hours=1)
        )
        return received_at_biobank(
            order.specimens.get(), phleb=phleb_north, tech=tech, biobank=biobank
        )

    return make


@pytest.fixture
def aliquots(tech, received):
    """``aliquots(n)``: n whole-blood aliquots (ultra-cold) of one received tube, at the biobank."""

    def make(count=1, person=None, type_code="WBLD"):
        return specimen_services.specimen_aliquot(
            actor=tech,
            specimen=received(person=person),
            count=count,
            type_code=type_code,
            volume_ul=100,
        )

    return make


@pytest.fixture
def aliquot(aliquots):
    return aliquots(1)[0]


@pytest.fixture
def make_user_tech(biobank):
    """A second biobank technician, for races."""
    return make_user("tech-2", (biobank, Role.BIOBANK_TECHNICIAN))


@pytest.fixture(autouse=True)
def box_counts_match_placements(request):
    """After every test, each box's count of taken slots equals the placements in it."""
    yield
    if request.node.get_closest_marker("django_db") is None:
        return
    from django.db.models import Count

    counted = dict(Box.objects.annotate(n=Count("placements")).values_list("code", "n").order_by())
    assert dict(Box.objects.values_list("code", "used")) == counted

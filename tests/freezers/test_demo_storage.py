"""Demo storage: the documented freezers, racks and boxes, loaded idempotently, ready to use."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from freezers.models import Box, Freezer
from lims.models import Site, User
from specimens import services as specimen_services
from tests.helpers import client_for
from tests.specimens.conftest import NO_RISK
from tests.specimens.helpers import received_at_biobank

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, box_types):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_storage")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_loading_twice_changes_nothing(demo, capsys):
    first = row_counts()
    call_command("seed_storage")
    assert row_counts() == first
    assert "FRZ-80-01" in capsys.readouterr().out


def test_the_documented_freezers_racks_and_boxes_exist(demo):
    layout = {
        (f.code, f.site.code, f.temperature_class, str(f.set_point_c)): sorted(
            (box.rack.name, box.box_type.code)
            for box in Box.objects.filter(rack__freezer=f).select_related("rack", "box_type")
        )
        for f in Freezer.objects.select_related("site")
    }
    assert layout == {
        ("FRZ-80-01", "BIOBANK", "ultra_cold", "-80.0"): sorted(
            [(rack, "9x9") for rack in ("R1", "R2") for _ in range(4)]
            + [("R1", "8x12"), ("R2", "8x12")]
        ),
        ("FRZ-80-02", "BIOBANK", "ultra_cold", "-80.0"): sorted(
            [("R1", "9x9")] * 4 + [("R1", "8x12")]
        ),
        ("FRZ-20-01", "BIOBANK", "frozen", "-20.0"): [("R1", "10x10"), ("R1", "10x10")],
    }
    assert all(box.history.get().history_user.username == "admin" for box in Box.objects.all())


def test_the_demo_technician_can_ask_for_room_at_once(demo):
    from lims.models import User

    client = client_for(User.objects.get(username="tech"))
    response = client.get("/api/v1/storage/free?temperature_class=ultra_cold&count=100")
    assert response.status_code == 200, response.content
    assert response.json()["slots"][0]["path"].startswith("BIOBANK/FRZ-80-01/")


def test_split_participant_keeps_a_demo_participants_aliquots_in_two_freezers(demo):
    phleb, tech = (User.objects.get(username=name) for name in ("phleb-north", "tech"))
    north, biobank = (Site.objects.get(code=code) for code in ("SITE-NORTH", "BIOBANK"))
    participant = specimen_services.participant_register(
        actor=phleb, participant_id="P000000001", site=north
    )
    order = specimen_services.order_create(
        actor=phleb, participant=participant, site=north, tube_codes=["1ED10"], safety=NO_RISK
    )
    specimen_services.order_collect(
        actor=phleb, order=order, collected_at=timezone.now() - timedelta(hours=1)
    )
    tube = received_at_biobank(order.specimens.get(), phleb=phleb, tech=tech, biobank=biobank)
    aliquots = specimen_services.specimen_aliquot(
        actor=tech, specimen=tube, count=4, type_code="WBLD", volume_ul=100
    )
    response = client_for(tech).post(
        "/api/v1/storage/allocate",
        {"ids": [a.barcode for a in aliquots], "strategy": "split_participant"},
        format="json",
    )
    assert response.status_code == 201, response.content
    freezers = [row["path"].split("/")[1] for row in response.json()]
    assert sorted(freezers) == ["FRZ-80-01", "FRZ-80-01", "FRZ-80-02", "FRZ-80-02"]


def test_demo_storage_is_refused_without_debug_or_before_seed_demo(settings, box_types):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="seed_demo first"):
        call_command("seed_storage")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_storage")
    assert not Freezer.objects.exists()

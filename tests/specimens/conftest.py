"""Participants and orders for the specimen-core tests, built through the services."""

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from specimens import custody, services

VERIFIER = Path(custody.__file__).with_name("verify_trail.py")

NO_RISK = {
    "donated_blood_past_week": False,
    "transfusion_past_6_months": False,
    "fainting_history": False,
}


@pytest.fixture
def participant(phleb_north, north):
    return services.participant_register(actor=phleb_north, participant_id="P000000001", site=north)


@pytest.fixture
def make_order(phleb_north, participant, north):
    def make(*codes, who=None, person=None):
        return services.order_create(
            actor=who or phleb_north,
            participant=person or participant,
            site=north,
            tube_codes=list(codes),
            safety=NO_RISK,
        )

    return make


@pytest.fixture
def an_hour_ago():
    return timezone.now() - timedelta(hours=1)


@pytest.fixture
def tube(make_order, phleb_north, an_hour_ago):
    """A collected tube put on hold ("cap loose") and released ("recapped"): four events."""
    order = services.order_collect(
        actor=phleb_north, order=make_order("1UR10"), collected_at=an_hour_ago
    )
    specimen = order.specimens.get()
    services.specimen_hold(actor=phleb_north, specimen=specimen, reason="cap loose")
    services.specimen_release(actor=phleb_north, specimen=specimen, reason="recapped")
    return specimen


@pytest.fixture
def verifier(tmp_path):
    """The verifier copied alone into an empty folder and run without site-packages: it needs
    the standard library and nothing else."""
    alone = tmp_path / "verify_trail.py"
    shutil.copy(VERIFIER, alone)

    def run(*files: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, "-I", "-S", str(alone), *map(str, files)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    return run

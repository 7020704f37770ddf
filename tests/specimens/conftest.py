"""Participants and orders for the specimen-core tests, built through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from specimens import services

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

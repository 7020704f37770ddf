"""The shipment lifecycle, written out as ARCHITECTURE §2 and §6 state it and tried through the API.

The expected answers are literal: a shipment goes packing → dispatched → arrived → closed, or is
cancelled while packing; a phlebotomist at the origin packs, unpacks, cancels and dispatches; a
biobank technician at the destination records arrival, receives, closes and uploads the logger
file; an auditor changes nothing. Nothing here reads ``shipments.lifecycle``.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from shipments import dispatch, packing, receipt
from shipments.models import Shipment
from specimens.models import CustodyEvent
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

OK = "ok"
ROLE = "role_forbids_action"

# (state, action, who) → OK, or the problem code answered with 403/409.
TABLE = [
    ("packing", "add_item", "phlebotomist", OK),
    ("packing", "add_item", "technician", ROLE),
    ("packing", "add_item", "auditor", ROLE),
    ("packing", "remove_item", "phlebotomist", OK),
    ("packing", "remove_item", "technician", ROLE),
    ("packing", "cancel", "phlebotomist", OK),
    ("packing", "cancel", "auditor", ROLE),
    ("packing", "dispatch", "phlebotomist", OK),
    ("packing", "dispatch", "technician", ROLE),
    ("packing", "arrive", "technician", "shipment_not_dispatched"),
    ("packing", "arrive", "phlebotomist", ROLE),
    ("packing", "receive", "technician", "shipment_not_arrived"),
    ("packing", "close", "technician", "shipment_not_arrived"),
    ("packing", "upload_logger", "technician", "shipment_not_dispatched"),
    ("dispatched", "add_item", "phlebotomist", "shipment_dispatched"),
    ("dispatched", "remove_item", "phlebotomist", "shipment_dispatched"),
    ("dispatched", "cancel", "phlebotomist", "shipment_dispatched"),
    ("dispatched", "dispatch", "phlebotomist", "shipment_dispatched"),
    ("dispatched", "arrive", "technician", OK),
    ("dispatched", "arrive", "phlebotomist", ROLE),
    ("dispatched", "arrive", "auditor", ROLE),
    ("dispatched", "receive", "technician", "shipment_not_arrived"),
    ("dispatched", "close", "technician", "shipment_not_arrived"),
    ("dispatched", "upload_logger", "technician", OK),
    ("arrived", "add_item", "phlebotomist", "shipment_dispatched"),
    ("arrived", "cancel", "phlebotomist", "shipment_dispatched"),
    ("arrived", "arrive", "technician", "shipment_already_arrived"),
    ("arrived", "receive", "technician", OK),
    ("arrived", "receive", "phlebotomist", ROLE),
    ("arrived", "receive", "auditor", ROLE),
    ("arrived", "record_unexpected", "technician", OK),
    ("arrived", "close", "technician", OK),
    ("arrived", "close", "phlebotomist", ROLE),
    ("arrived", "upload_logger", "technician", OK),
    ("arrived", "upload_logger", "phlebotomist", ROLE),
    ("closed", "add_item", "phlebotomist", "shipment_dispatched"),
    ("closed", "arrive", "technician", "shipment_already_arrived"),
    ("closed", "receive", "technician", OK),
    ("closed", "record_unexpected", "technician", "shipment_closed"),
    ("closed", "close", "technician", "shipment_closed"),
    ("closed", "upload_logger", "technician", OK),
    ("cancelled", "add_item", "phlebotomist", "shipment_cancelled"),
    ("cancelled", "remove_item", "phlebotomist", "shipment_cancelled"),
    ("cancelled", "cancel", "phlebotomist", "shipment_cancelled"),
    ("cancelled", "dispatch", "phlebotomist", "shipment_cancelled"),
    ("cancelled", "arrive", "technician", "shipment_cancelled"),
    ("cancelled", "receive", "technician", "shipment_cancelled"),
    ("cancelled", "close", "technician", "shipment_cancelled"),
    ("cancelled", "upload_logger", "technician", "shipment_not_dispatched"),
]

# (state, who) → the ``actions`` the shipment's answer lists for that user.
ACTIONS = [
    ("packing", "phlebotomist", ["add_item", "remove_item", "cancel", "dispatch"]),
    ("packing", "technician", []),
    ("dispatched", "phlebotomist", []),
    ("dispatched", "technician", ["arrive", "upload_logger"]),
    ("arrived", "technician", ["receive", "record_unexpected", "close", "upload_logger"]),
    ("closed", "technician", ["receive", "upload_logger"]),
    ("closed", "phlebotomist", []),
    ("cancelled", "phlebotomist", []),
    ("cancelled", "technician", []),
    ("arrived", "auditor", []),
]


@pytest.fixture
def people(phleb_north, tech, auditor):
    return {"phlebotomist": phleb_north, "technician": tech, "auditor": auditor}


@pytest.fixture
def shipment_in(shipment, pack, finalized, phleb_north, tech):
    """``shipment_in(state)``: the shipment in ``state`` with two tubes packed (the second
    marked missing once closed), and a finalized tube not on it; answers (shipment, ids)."""

    def make(state):
        packed, spare = finalized("1ED10", "2ED10"), finalized("1ED04")[0]
        pack(shipment, packed)
        ids = {"packed": packed[0].barcode, "last": packed[1].barcode, "spare": spare.barcode}
        if state == "cancelled":
            packing.shipment_cancel(actor=phleb_north, shipment=shipment, reason="created in error")
        if state in ("dispatched", "arrived", "closed"):
            sent = dispatch.shipment_dispatch(
                actor=phleb_north,
                shipment=shipment,
                courier="fedex",
                tracking_number="123456789012",
            )
            # Dispatched three hours ago, so that a logger file has readings in transit.
            sent.dispatched_at -= timedelta(hours=3)
            sent.save()
        if state in ("arrived", "closed"):
            receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
        if state == "closed":
            receipt.shipment_receive(actor=tech, shipment=shipment, barcode=ids["packed"])
            receipt.shipment_close(actor=tech, shipment=shipment)
        return Shipment.objects.get(pk=shipment.pk), ids

    return make


def _logger_csv(shipment) -> str:
    start = shipment.dispatched_at or timezone.now() - timedelta(hours=3)
    rows = [f"{(start + timedelta(minutes=30 * i)).isoformat()},5.0" for i in (1, 2)]
    return "\n".join(["Timestamp,Temperature (°C)", *rows]) + "\n"


def _do(client, action, shipment, ids):
    url = f"/api/v1/shipments/{shipment.code}/"
    calls = {
        "add_item": lambda: client.post(url + "items/", {"id": ids["spare"]}),
        "remove_item": lambda: client.delete(url + f"items/{ids['packed']}/"),
        "cancel": lambda: client.post(url + "cancel/", {"reason": "created in error"}),
        "dispatch": lambda: client.post(
            url + "dispatch/", {"courier": "fedex", "tracking_number": "123456789012"}
        ),
        "arrive": lambda: client.post(url + "arrive/", {"condition_ok": True}),
        "receive": lambda: client.post(url + "receive/", {"id": ids["last"], "reference": "INC-7"}),
        "record_unexpected": lambda: client.post(url + "receive/", {"id": ids["spare"]}),
        "close": lambda: client.post(url + "close/"),
        "upload_logger": lambda: client.generic(
            "POST", url + "logger/", _logger_csv(shipment).encode(), "text/csv"
        ),
    }
    return calls[action]()


def _state(shipment):
    custody = CustodyEvent.objects.filter(specimen__shipment_items__shipment=shipment).count()
    return Shipment.objects.get(pk=shipment.pk).status, custody, shipment.history.count()


@pytest.mark.parametrize(("state", "action", "who", "outcome"), TABLE)
def test_the_lifecycle_table(api, people, shipment_in, state, action, who, outcome):
    shipment, ids = shipment_in(state)
    before = _state(shipment)
    response = _do(api(people[who]), action, shipment, ids)
    if outcome == OK:
        assert response.status_code in (200, 201), response.content
        return
    assert_problem(response, 403 if outcome == ROLE else 409, outcome)
    assert _state(shipment) == before


@pytest.mark.parametrize(("state", "who", "actions"), ACTIONS)
def test_a_shipment_lists_the_actions_its_reader_may_take(
    api, people, shipment_in, state, who, actions
):
    shipment, _ = shipment_in(state)
    client = api(people[who])
    assert client.get(f"/api/v1/shipments/{shipment.code}/").json()["actions"] == actions
    listed = client.get("/api/v1/shipments/").json()["results"]
    assert [row["actions"] for row in listed if row["code"] == shipment.code] == [actions]

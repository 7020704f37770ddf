"""A tube whose participant withdrew and asked for destruction is received, then destroyed.

Custody is a fact, so the tube arriving is received; but the receiver is told, loudly and in
the answer's data, to set it aside for disposal rather than store it, and it is on the
biobank's disposal worklist.
"""

import re
from html import unescape

import pytest

from shipments import receipt
from specimens import services
from specimens.models import Specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrived_with_withdrawal(tech, phleb_north, in_transit, finalized):
    """An arrived shipment of two tubes of different participants; the first participant
    withdrew while the tubes were on their way and asked for their samples to be destroyed."""

    def make(ceremony="no"):
        (doomed,), (kept,) = finalized("1ED10"), finalized("1ED10")
        shipment = in_transit([doomed, kept])
        services.participant_withdraw(
            actor=phleb_north,
            participant=doomed.participant,
            destroy_samples=True,
            ceremony=ceremony,
            reason="participant asked by phone call",
        )
        receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
        return shipment, doomed, kept

    return make


def test_the_tube_is_received_with_a_destroy_instruction(api, tech, arrived_with_withdrawal):
    shipment, doomed, _ = arrived_with_withdrawal()
    client = api(tech)
    response = client.post(f"/api/v1/shipments/{shipment.code}/receive/", {"id": doomed.barcode})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "expected" and body["receipt_status"] == "received"
    assert body["disposal_due"] is True
    assert body["instruction"] == "destroy"
    assert body["disposal_reason"] == "consent withdrawn: destruction requested"
    assert body["ceremony"] is False
    assert body["detail"].startswith(f"DESTROY {doomed.barcode}: participant ")
    assert "do not store it" in body["detail"]

    tube = Specimen.objects.get(pk=doomed.pk)
    assert (tube.status, tube.current_site.code) == ("received", "BIOBANK")
    assert tube.on_hold and tube.disposal_due
    assert tube.custody_events.order_by("-seq").first().kind == "received"
    worklist = client.get("/api/v1/specimens/?disposal_due=true").json()["results"]
    assert [row["id"] for row in worklist] == [doomed.barcode]


def test_another_participants_tube_is_received_as_usual(api, tech, arrived_with_withdrawal):
    shipment, _, kept = arrived_with_withdrawal()
    body = (
        api(tech).post(f"/api/v1/shipments/{shipment.code}/receive/", {"id": kept.barcode}).json()
    )
    assert body["disposal_due"] is False and "instruction" not in body
    assert body["detail"] == f"{kept.barcode} received."


def test_a_requested_ceremony_is_part_of_the_instruction(api, tech, arrived_with_withdrawal):
    shipment, doomed, _ = arrived_with_withdrawal(ceremony="unknown")
    body = (
        api(tech).post(f"/api/v1/shipments/{shipment.code}/receive/", {"id": doomed.barcode}).json()
    )
    assert body["ceremony"] is True
    assert body["detail"].endswith("A disposal ceremony is requested.")


def test_the_receiving_station_shows_the_instruction_as_an_alert(
    client, tech, arrived_with_withdrawal
):
    shipment, doomed, kept = arrived_with_withdrawal()
    client.force_login(tech)
    url = f"/stations/shipments/{shipment.code}/receive"
    page = client.post(url, {"scan": doomed.barcode}, follow=True)
    answers = [(m.level_tag, str(m)) for m in page.context["messages"]]
    assert len(answers) == 1 and answers[0][0] == "error"
    assert answers[0][1].startswith(f"DESTROY {doomed.barcode}")
    assert _shown(page) == [("error", "alert", answers[0][1])]

    usual = client.post(url, {"scan": kept.barcode}, follow=True)
    assert _shown(usual) == [("ok", "status", f"{kept.barcode} received.")]


def _shown(page) -> list[tuple[str, str, str]]:
    """The answers on the page: tone, ARIA role and text."""
    html = page.content.decode()
    found = re.findall(
        r'<p class="answer (\w+)" role="(\w+)">(?:<span[^>]*>[^<]*</span> )?([^<]*)</p>', html
    )
    return [(tone, role, unescape(text)) for tone, role, text in found]


def test_a_batch_of_receipt_scans_carries_the_instruction(api, tech, arrived_with_withdrawal):
    shipment, doomed, kept = arrived_with_withdrawal()
    path = f"shipments/{shipment.code}/receive/"
    envelope = {
        "requests": [
            {"key": "k1", "path": path, "body": {"id": kept.barcode}},
            {"key": "k2", "path": path, "body": {"id": doomed.barcode}},
        ]
    }
    results = api(tech).post("/api/v1/batch/", envelope, format="json").json()["results"]
    assert [(r["status"], r["body"]["disposal_due"]) for r in results] == [
        (200, False),
        (200, True),
    ]
    assert results[1]["body"]["instruction"] == "destroy"

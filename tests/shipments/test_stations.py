"""The packing and receiving station pages: a scan and Enter records the tube and says so."""

import pytest

from shipments import receipt
from shipments.models import ShipmentItem
from specimens.models import Specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def _answers(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_scan_at_the_packing_station_packs_the_tube(
    browser_for, phleb_north, shipment, finalized
):
    tube = finalized("1ED10")[0]
    page = browser_for(phleb_north)
    url = f"/stations/shipments/{shipment.code}/pack"
    assert page.get(url).status_code == 200
    answer = page.post(url, {"scan": tube.barcode.lower()}, follow=True)
    assert _answers(answer) == [f"{tube.barcode} packed (1ED10)."]
    assert b"1 tube packed" in answer.content
    assert Specimen.objects.get(pk=tube.pk).status == "packed"


def test_a_refused_scan_says_why_and_changes_nothing(browser_for, phleb_north, shipment, finalized):
    tube = finalized("1ED10", finalize=False)[0]
    page = browser_for(phleb_north)
    answer = page.post(
        f"/stations/shipments/{shipment.code}/pack", {"scan": tube.barcode}, follow=True
    )
    assert len(_answers(answer)) == 1 and "finalize the order before packing" in _answers(answer)[0]
    assert b'class="answer error" role="alert"' in answer.content
    assert not ShipmentItem.objects.exists()
    empty = page.post(f"/stations/shipments/{shipment.code}/pack", {"scan": ""}, follow=True)
    assert _answers(empty) == ["Scan a tube: the field was empty or too long."]


def test_the_receiving_station_answers_each_outcome(browser_for, tech, in_transit, finalized):
    expected, stray = finalized("1ED10", "2ED10")
    shipment = in_transit([expected])
    receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)
    page = browser_for(tech)
    url = f"/stations/shipments/{shipment.code}/receive"
    assert _answers(page.post(url, {"scan": expected.barcode}, follow=True)) == [
        f"{expected.barcode} received."
    ]
    again = page.post(url, {"scan": expected.barcode}, follow=True)
    assert "already received" in _answers(again)[0]
    unexpected = page.post(url, {"scan": stray.barcode}, follow=True)
    assert _answers(unexpected) == [
        f"{stray.barcode} is not on the manifest of {shipment.code}: recorded, set it aside."
    ]
    assert b'class="answer warn" role="alert"' in unexpected.content
    assert b"received 1" in unexpected.content and b"unexpected 1" in unexpected.content


def test_stations_list_open_shipments_in_scope(browser_for, phleb_north, phleb_south, shipment):
    assert shipment.code.encode() in browser_for(phleb_north).get("/stations/").content


def test_stations_are_for_signed_in_users_in_scope(client, browser_for, phleb_south, shipment):
    url = f"/stations/shipments/{shipment.code}/pack"
    assert client.get(url).status_code == 302
    assert browser_for(phleb_south).get(url).status_code == 404


def test_a_station_walks_a_shipment_from_dispatch_to_close(
    browser_for, client, phleb_north, tech, shipment, finalized, pack
):
    kept, lost = finalized("1ED10", "2ED10")
    pack(shipment, [kept, lost])
    site = browser_for(phleb_north)
    base = f"/stations/shipments/{shipment.code}"
    assert b"Dispatch" in site.get(f"{base}/pack").content
    refused = site.post(f"{base}/dispatch", {"courier": "fedex"})
    assert refused.status_code == 400
    assert _answers(refused) == [f"{shipment.code} was not dispatched: see the dispatch form."]
    assert "This field is required." in refused.content.decode()
    bad = site.post(f"{base}/dispatch", {"courier": "ups", "tracking_number": "1Z12"})
    # The problem's sentence beside the field, and what was typed still in it.
    assert "not a UPS tracking number" in bad.content.decode()
    assert 'value="1Z12"' in bad.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "packing"
    sent = site.post(
        f"{base}/dispatch", {"courier": "fedex", "tracking_number": "123456789012"}, follow=True
    )
    assert _answers(sent) == [f"{shipment.code} dispatched: its contents are now fixed."]
    client.logout()

    bank = browser_for(tech)
    assert b"Record arrival" in bank.get(f"{base}/receive").content
    too_hot = bank.post(
        f"{base}/arrive", {"condition_ok": "on", "temperature_c": "400"}, follow=True
    )
    assert _answers(too_hot) == ["The temperature is a number from -200 to 80 °C."]
    arrived = bank.post(f"{base}/arrive", {"condition_ok": "on", "temperature_c": "5"}, follow=True)
    assert _answers(arrived) == [f"Arrival of {shipment.code} recorded: scan its tubes."]
    assert _answers(bank.post(f"{base}/receive", {"scan": kept.barcode}, follow=True)) == [
        f"{kept.barcode} received."
    ]
    # Closing first lists the tubes it would mark missing, and changes nothing until confirmed.
    confirm = bank.post(f"{base}/close").content.decode()
    assert "1 tube of the manifest was not scanned: closing marks it missing" in confirm
    assert (
        f"<code>{lost.barcode}</code>" in confirm and f"<code>{kept.barcode}</code>" not in confirm
    )
    assert 'name="confirm" value="yes"' in confirm
    assert Specimen.objects.get(pk=lost.pk).status != "missing"
    closed = bank.post(f"{base}/close", {"confirm": "yes"}, follow=True)
    assert _answers(closed) == [
        f"Receipt of {shipment.code} closed: 1 not received, marked missing."
    ]
    again = bank.post(f"{base}/close", {"confirm": "yes"}, follow=True)
    assert "was closed" in _answers(again)[0]
    late = bank.post(f"{base}/close", follow=True)
    assert _answers(late) == [f"The receipt of {shipment.code} cannot be closed now."]
    assert Specimen.objects.get(pk=lost.pk).status == "missing"
    shipment.refresh_from_db()
    assert shipment.status == "closed" and shipment.arrival_temperature_c == 5

"""Transit temperature evidence: a logger file's min, max and excursions, and the flagged tubes."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims import notes
from shipments import receipt
from shipments.models import TemperatureLog
from specimens.models import Specimen
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrived(tech, in_transit, finalized):
    """A shipment dispatched three hours ago (as its record says) that has now arrived."""
    shipment = in_transit(finalized("1ED10", "1UR10"))
    shipment.dispatched_at -= timedelta(hours=3)
    shipment.save()
    return receipt.shipment_arrive(actor=tech, shipment=shipment, condition_ok=True)


def _csv(shipment, temperatures, *, header="Timestamp,Temperature (°C)", step=30):
    start = shipment.dispatched_at
    rows = [
        f"{(start + timedelta(minutes=step * i)).isoformat()},{value}"
        for i, value in enumerate(temperatures, start=1)
    ]
    return "\n".join([header, *rows]) + "\n"


def _upload(client, shipment, text):
    return client.generic(
        "POST", f"/api/v1/shipments/{shipment.code}/logger/", text.encode(), "text/csv"
    )


def test_an_excursion_is_measured_and_flags_every_tube(api, tech, arrived):
    text = _csv(arrived, ["4.0", "5.1", "9.5", "11.2 °C", "6.0"])
    response = _upload(api(tech), arrived, text)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["min_c"], body["max_c"], body["readings"]) == ("4.0", "11.2", 5)
    assert body["excursions"] == [
        {
            "started_at": body["excursions"][0]["started_at"],
            "ended_at": body["excursions"][0]["ended_at"],
            "duration_minutes": 60.0,
            "peak_c": "11.2",
        }
    ]
    flags = Specimen.objects.filter(shipment_items__shipment=arrived).values_list(
        "qc_flags", flat=True
    )
    assert all("transit_temperature_excursion" in f for f in flags) and len(flags) == 2
    tube = Specimen.objects.filter(shipment_items__shipment=arrived).first()
    flagged = tube.custody_events.get(kind="qc_flagged")
    assert (flagged.details["shipment"], flagged.details["flag"], flagged.site) == (
        arrived.code,
        "transit_temperature_excursion",
        arrived.destination,
    )
    assert flagged.details["excursions"][0]["peak_c"] == "11.2"
    assert notes.reason(tube.history.first()) == (
        f"temperature excursion during transit in {arrived.code}"
    )
    detail = api(tech).get(f"/api/v1/shipments/{arrived.code}/").json()
    assert detail["temperature"]["excursions"][0]["peak_c"] == "11.2"


def test_a_clean_log_flags_nothing(api, tech, arrived):
    response = _upload(api(tech), arrived, _csv(arrived, ["4.0", "5.0", "7.9"], header=""))
    assert response.status_code == 201, response.content
    assert response.json()["excursions"] == []
    assert not any(
        Specimen.objects.filter(shipment_items__shipment=arrived).values_list("qc_flags", flat=True)
    )


def test_a_multipart_upload_is_accepted(api, tech, arrived):
    upload = SimpleUploadedFile("log.csv", _csv(arrived, ["4.0"]).encode(), "text/csv")
    response = api(tech).post(
        f"/api/v1/shipments/{arrived.code}/logger/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content


def test_bad_rows_are_named_and_nothing_is_stored(api, tech, arrived):
    good = _csv(arrived, ["4.0", "5.0"])
    text = good + "yesterday,4.0\n2026-11-30T10:00:00,warm\n2026-11-30T10:05:00\n"
    before = list(Specimen.objects.values_list("qc_flags", flat=True))
    body = assert_problem(_upload(api(tech), arrived, text), 400, "invalid_logger_file")
    assert body["errors"]["file"][0].startswith("Row 4: 'yesterday' is not a timestamp")
    assert body["errors"]["file"][1].startswith("Row 5: 'warm' is not a temperature")
    assert body["errors"]["file"][2].startswith("Row 6: expected a timestamp and a temperature")
    assert not TemperatureLog.objects.exists()
    assert list(Specimen.objects.values_list("qc_flags", flat=True)) == before


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "invalid"),
        ("Timestamp,Temperature\n", "invalid_logger_file"),
        ("2026-11-30T10:00:00+00:00,-450\n", "invalid_logger_file"),
        ("Timestamp,Temperature\n2026-11-30T10:00:00+00:00," + "9" * 131_073, "unreadable_csv"),
        ('Timestamp,Temperature\n"2026-11-30T10:00:00+00:00,4\n' + "x" * 131_073, "unreadable_csv"),
    ],
)
def test_empty_or_implausible_files_are_refused(api, tech, arrived, text, code):
    assert_problem(_upload(api(tech), arrived, text), 400, code)
    assert not TemperatureLog.objects.exists()


def test_times_must_run_forward(api, tech, arrived):
    start = arrived.dispatched_at
    text = f"{(start + timedelta(hours=1)).isoformat()},4\n{start.isoformat()},5\n"
    body = assert_problem(_upload(api(tech), arrived, text), 400, "invalid_logger_file")
    assert "Row 2" in body["detail"]


def test_a_file_from_another_trip_is_refused(api, tech, arrived):
    text = _csv(arrived, ["4.0"]).replace(str(arrived.dispatched_at.year), "2019")
    assert_problem(_upload(api(tech), arrived, text), 400, "logger_outside_transit")
    assert not TemperatureLog.objects.exists()


def test_the_log_is_recorded_once(api, tech, arrived):
    client = api(tech)
    assert _upload(client, arrived, _csv(arrived, ["4.0"])).status_code == 201
    assert_problem(_upload(client, arrived, _csv(arrived, ["5.0"])), 409, "logger_already_uploaded")
    assert TemperatureLog.objects.get().max_c == 4


def test_a_shipment_not_dispatched_has_no_log(api, tech, shipment):
    response = _upload(api(tech), shipment, "2026-11-30T10:00:00+00:00,4\n")
    assert_problem(response, 409, "shipment_not_dispatched")

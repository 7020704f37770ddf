"""Freezer temperature readings, excursions outside the band, and the tubes they touched."""

from datetime import timedelta

import pytest
from django.utils import timezone

from freezers.models import TemperatureReading
from tests.freezers.helpers import storage_state
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat()


@pytest.fixture
def start():
    return (timezone.now() - timedelta(hours=10)).replace(microsecond=0)


def log(client, freezer, start, temperatures):
    readings = [
        {"at": iso(start + timedelta(hours=n)), "temperature_c": str(value)}
        for n, value in enumerate(temperatures)
    ]
    return client.post(
        f"/api/v1/freezers/{freezer.code}/readings/",
        {"readings": readings, "source": "logger 7"},
        format="json",
    )


def test_readings_are_kept_and_an_excursion_is_listed(api, tech, ultra, start):
    response = log(api(tech), ultra, start, [-80, -79.5, -71, -62.25, -78, -80])
    assert response.status_code == 201, response.content
    assert response.json() == {"recorded": 6, "already_on_record": 0, "outside_band": 2}
    body = api(tech).get(f"/api/v1/freezers/{ultra.code}/excursions/").json()
    assert body["excursions"] == [
        {
            "started_at": iso(start + timedelta(hours=2)).replace("+00:00", "Z"),
            "ended_at": iso(start + timedelta(hours=4)).replace("+00:00", "Z"),
            "last_out_at": iso(start + timedelta(hours=3)).replace("+00:00", "Z"),
            "band_c": ["-85.0", "-75.0"],
            "min_c": "-71.00",
            "max_c": "-62.25",
            "readings": 2,
        }
    ]
    reading = TemperatureReading.objects.get(at=start)
    assert (reading.recorded_by, reading.source) == (tech, "logger 7")


def test_a_single_reading_and_an_ongoing_excursion(api, tech, ultra, start):
    url = f"/api/v1/freezers/{ultra.code}/readings/"
    response = api(tech).post(url, {"at": iso(start), "temperature_c": "-60"}, format="json")
    assert response.json()["outside_band"] == 1
    found = api(tech).get(f"/api/v1/freezers/{ultra.code}/excursions/").json()["excursions"]
    assert found[0]["ended_at"] is None


def test_a_reading_sent_twice_is_counted_once_and_a_different_one_refused(api, tech, ultra, start):
    log(api(tech), ultra, start, [-80, -81])
    again = log(api(tech), ultra, start, [-80, -81, -79])
    assert again.json() == {"recorded": 1, "already_on_record": 2, "outside_band": 0}
    before = storage_state()
    body = assert_problem(log(api(tech), ultra, start, [-70]), 409, "reading_conflict")
    assert "never overwritten" in body["detail"]
    assert storage_state() == before


def test_tubes_in_the_freezer_during_a_window_are_listed(api, tech, ultra, box, aliquots, start):
    stayed, left, later = aliquots(3)
    client = api(tech)
    for tube, position in ((stayed, "A1"), (left, "A2")):
        client.post(
            "/api/v1/storage/place", {"id": tube.barcode, "box": box.code, "position": position}
        )
    client.post("/api/v1/storage/retrieve", {"id": left.barcode, "reason": "assay"})
    checked_out_at = timezone.now()
    client.post("/api/v1/storage/place", {"id": later.barcode, "box": box.code, "position": "A3"})
    url = f"/api/v1/freezers/{ultra.code}/specimens/"
    window = {"since": iso(checked_out_at), "until": iso(timezone.now() + timedelta(minutes=1))}
    body = client.get(url, window).json()
    assert [row["id"] for row in body["results"]] == sorted([stayed.barcode, later.barcode])
    earlier = {"since": iso(start - timedelta(hours=1)), "until": iso(start)}
    assert client.get(url, earlier).json()["count"] == 0


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"at": "2026-01-01T00:00:00Z"}, 400, "invalid"),
        ({"readings": []}, 400, "invalid"),
        ({"at": "yesterday", "temperature_c": "-80"}, 400, "invalid"),
        ({"at": "2026-01-01T00:00:00Z", "temperature_c": "-300"}, 400, "invalid"),
        ({"at": "2999-01-01T00:00:00Z", "temperature_c": "-80"}, 400, "time_in_future"),
        ({"at": "0001-01-01T00:00:00Z", "temperature_c": "-80"}, 400, "implausible_time"),
        ({"at": "0001-01-01T00:00:00+01:00", "temperature_c": "-80"}, 400, "invalid"),
        ({"at": "1999-12-31T23:59:00Z", "temperature_c": "-80"}, 400, "implausible_time"),
        (
            {"at": "2026-01-01T00:00:00Z", "temperature_c": "-80", "humidity": 3},
            400,
            "unknown_field",
        ),
        (
            {
                "readings": [
                    {"at": "2026-01-01T00:00:00Z", "temperature_c": "-80"},
                    {"at": "2026-01-01T00:00:00Z", "temperature_c": "-70"},
                ]
            },
            400,
            "invalid",
        ),
        (
            {"at": "2026-01-01T00:00:00Z", "temperature_c": "-80", "source": "Dr. Jones"},
            400,
            "possible_identifier_in_text",
        ),
    ],
)
def test_bad_readings_change_nothing(api, tech, ultra, payload, status, code):
    before = storage_state()
    url = f"/api/v1/freezers/{ultra.code}/readings/"
    assert_problem(api(tech).post(url, payload, format="json"), status, code)
    assert storage_state() == before


def test_window_queries_are_checked(api, tech, ultra):
    url = f"/api/v1/freezers/{ultra.code}"
    assert_problem(api(tech).get(f"{url}/specimens/"), 400, "invalid")
    assert_problem(api(tech).get(f"{url}/excursions/?since=soon"), 400, "invalid")
    bad = "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"
    assert_problem(api(tech).get(f"{url}/excursions/?{bad}"), 400, "invalid")


def test_readings_need_a_role_at_the_freezers_site(api, auditor, phleb_north, ultra, start):
    assert_problem(log(api(auditor), ultra, start, [-80]), 403, "role_forbids_action")
    assert_problem(log(api(phleb_north), ultra, start, [-80]), 404, "not_found")
    assert not TemperatureReading.objects.exists()

"""The freezer temperatures page: a reading typed in, a logger's file imported, the plot drawn
server-side with the band and the readings outside it marked, the numbers in a paginated table;
bad input is an alert and records nothing."""

import html
import zoneinfo
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freezers.models import Freezer, TemperatureReading
from freezers.services import record_readings

pytestmark = pytest.mark.django_db


def answers(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def ultra(ultra):
    """The freezer as read back (its set point a number, not the text it was made with)."""
    return Freezer.objects.select_related("site").get(pk=ultra.pk)


def url(freezer) -> str:
    return f"/storage/freezers/{freezer.code}/temperatures"


def local(freezer, moment) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(freezer.site.time_zone)).strftime(
        "%Y-%m-%d %H:%M"
    )


def upload(page, freezer, content: bytes, name="logger.csv"):
    return page.post(
        url(freezer),
        {"import": "1", "file": SimpleUploadedFile(name, content, content_type="text/csv")},
        follow=True,
    )


def test_a_typed_reading_is_recorded_and_plotted(page_for, tech, ultra):
    page = page_for(tech)
    taken = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    done = page.post(
        url(ultra),
        {"add": "1", "temperature_c": "-79.5", "at": local(ultra, taken), "source": "door"},
        follow=True,
    )
    body = answers(done)
    low, high = ultra.band
    assert f"{ultra.code}: 1 reading(s) recorded, 0 already on record; all within the band" in body
    assert 'role="status"' in body
    reading = TemperatureReading.objects.get(freezer=ultra)
    assert (reading.at, str(reading.temperature_c), reading.source) == (taken, "-79.50", "door")
    assert reading.recorded_by == tech
    assert "<svg" in body and 'role="img"' in body and f"band {low:g} to {high:g} °C" in body
    plot = body.split("<svg", 1)[1].split("</svg>")[0]
    assert plot.count("<circle") == 1  # the legend's dot alone
    assert "-79.50" in body


def test_an_imported_file_marks_the_readings_outside_the_band(page_for, tech, ultra):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=10)
    rows = [
        f"{(start + timedelta(hours=n)).isoformat()},{value}"
        for n, value in enumerate([-80, -79.5, -71, -62.2, -78, -80])
    ]
    content = ("timestamp,temperature\n" + "\n".join(rows) + "\n").encode()
    page = page_for(tech)
    body = answers(upload(page, ultra, content))
    assert "6 reading(s) recorded, 0 already on record; 2 outside the band" in body
    assert 'role="alert"' in body
    assert TemperatureReading.objects.filter(freezer=ultra).count() == 6
    plot = body.split("<svg", 1)[1].split("</svg>")[0]
    assert plot.count("<circle") == 3  # two readings and the legend's dot
    assert ": -62.2 °C</title>" in plot and "<script" not in plot and "style=" not in plot
    assert body.count("OUTSIDE -85.0 to -75.0") == 2
    again = answers(upload(page, ultra, content))
    assert "0 reading(s) recorded, 6 already on record" in again
    assert TemperatureReading.objects.filter(freezer=ultra).count() == 6


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"temperature_c": "", "at": "2026-01-01 10:00"}, "The reading was not recorded"),
        ({"temperature_c": "-400", "at": "2026-01-01 10:00"}, "The reading was not recorded"),
        ({"temperature_c": "cold", "at": "2026-01-01 10:00"}, "The reading was not recorded"),
        ({"temperature_c": "-80", "at": "yesterday"}, "The reading was not recorded"),
        ({"temperature_c": "-80", "at": "2099-01-01 10:00"}, "future"),
        ({"temperature_c": "-80", "at": "2026-01-01 10:00", "source": "x" * 65}, "not recorded"),
        (
            {"temperature_c": "-80", "at": "2026-01-01 10:00", "source": "Call 555-867-5309"},
            "phone",
        ),
    ],
)
def test_a_bad_reading_is_an_alert_and_records_nothing(page_for, tech, ultra, fields, sentence):
    response = page_for(tech).post(url(ultra), {"add": "1", **fields})
    assert response.status_code == 400
    body = answers(response)
    assert 'role="alert"' in body and sentence in body
    assert not TemperatureReading.objects.exists()


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"\xff\xfe\x00\x89 binary", "is not a text file"),
        (b"timestamp,temperature\nnot a time,-80\n", "is not a timestamp"),
        (b"timestamp,temperature\n2026-01-01T10:00:00,warm\n", "is not a temperature"),
        (b"timestamp,temperature\n", "The file holds no readings"),
    ],
)
def test_a_bad_file_is_an_alert_and_records_nothing(page_for, tech, ultra, content, sentence):
    response = upload(page_for(tech), ultra, content)
    assert response.status_code == 400
    body = answers(response)
    assert 'role="alert"' in body and sentence in body
    assert not TemperatureReading.objects.exists()


def test_a_reading_that_disagrees_with_the_record_is_refused(page_for, tech, ultra):
    at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    record_readings(actor=tech, freezer=ultra, readings=[(at, -80)])
    response = page_for(tech).post(
        url(ultra), {"add": "1", "temperature_c": "-70", "at": local(ultra, at)}
    )
    assert response.status_code == 400 and "readings are never overwritten" in answers(response)
    assert TemperatureReading.objects.get().temperature_c == -80


def test_the_table_is_paginated_and_queries_do_not_grow(page_for, tech, ultra):
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    record_readings(actor=tech, freezer=ultra, readings=[(start, -80)])
    page = page_for(tech)
    with CaptureQueriesContext(connection) as one:
        page.get(url(ultra))
    many = [(start + timedelta(minutes=10 * n), -80 + n % 3) for n in range(1, 120)]
    record_readings(actor=tech, freezer=ultra, readings=many)
    with CaptureQueriesContext(connection) as lots:
        body = answers(page.get(url(ultra)))
    assert len(lots) == len(one)
    assert body.count("<tr") - 1 == 25 and "?page=2" in body
    assert "120 readings" in body


def test_the_freezer_page_links_the_temperatures_and_others_cannot_open_them(
    page_for, tech, phleb_north, auditor, ultra
):
    body = answers(page_for(tech).get(f"/storage/freezers/{ultra.code}"))
    assert f'href="{url(ultra)}"' in body
    assert page_for(tech).get("/storage/freezers/FRZ-NOPE/temperatures").status_code == 404
    for other in (phleb_north, auditor):
        assert page_for(other).get(url(ultra)).status_code == 403

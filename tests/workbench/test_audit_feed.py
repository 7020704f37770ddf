"""The auditor's custody feed: filters, clear refusals of bad filters, and the CSV export."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def tubes(finalized, south, phleb_south):
    return finalized("1SST8"), finalized("1UR10", site=south, who=phleb_south)


def test_the_feed_lists_events_in_scope_with_links_to_tubes(page_for, auditor, tubes):
    north_tube, south_tube = tubes[0][0], tubes[1][0]
    page = page_for(auditor).get("/audit/events").content.decode()
    assert f'href="/tubes/{north_tube.barcode}"' in page
    assert f'href="/tubes/{south_tube.barcode}"' in page
    assert 'name="scan"' not in page


def test_a_site_auditor_sees_only_their_sites_events(page_for, north_auditor, tubes):
    page = page_for(north_auditor).get("/audit/events").content.decode()
    assert tubes[0][0].barcode in page and tubes[1][0].barcode not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"site": "SITE-SOUTH"}, "south", "north"),
        ({"actor": "phleb-north"}, "north", "south"),
        ({"kind": "processed"}, "north", "south"),
    ],
)
def test_the_feed_filters_by_site_actor_and_kind(page_for, auditor, tubes, query, shown, hidden):
    by_site = {"north": tubes[0][0].barcode, "south": tubes[1][0].barcode}
    page = page_for(auditor).get("/audit/events", query).content.decode()
    assert by_site[shown] in page and by_site[hidden] not in page


def test_the_feed_filters_by_period(page_for, auditor, tubes):
    client = page_for(auditor)
    assert (
        tubes[0][0].barcode
        not in client.get("/audit/events", {"until": "2001-01-01"}).content.decode()
    )
    assert (
        tubes[0][0].barcode in client.get("/audit/events", {"since": "2001-01-01"}).content.decode()
    )


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"since": "2026-13-45"}, "since: Enter a valid date."),
        ({"kind": "teleported"}, "kind: Select a valid choice."),
    ],
)
def test_a_bad_filter_is_a_clear_message(page_for, auditor, tubes, query, sentence):
    client = page_for(auditor)
    for path in ("/audit/events", "/audit/events.csv"):
        response = client.get(path, query)
        assert response.status_code == 400
        page = response.content.decode()
        assert 'role="alert"' in page and sentence in page


def test_the_csv_export_holds_the_whole_filtered_result(page_for, auditor, tubes):
    response = page_for(auditor).get("/audit/events.csv", {"site": "SITE-NORTH"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["specimen"] for row in rows} == {tubes[0][0].barcode}
    assert [row["kind"] for row in sorted(rows, key=lambda r: int(r["seq"]))] == [
        "labeled",
        "collected",
        "processed",
    ]
    assert all(len(row["hash"]) == 64 for row in rows)


@pytest.mark.parametrize("who", ["phleb_north", "tech"])
def test_the_feed_is_the_auditors(page_for, request, who):
    client = page_for(request.getfixturevalue(who))
    assert client.get("/audit/events").status_code == 403
    assert client.get("/audit/events.csv").status_code == 403

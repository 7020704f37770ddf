"""GET print-jobs/ (a tube's print history) and GET printers/: scoped, filtered, paginated."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.barcode_printing.conftest import make_printer, post_labels
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def printed(api, phleb_north, make_order):
    """A tube printed, then reprinted with a reason, next to another order's tube."""
    tube = make_order("1SST8").specimens.get().barcode
    other = make_order("1ED10").specimens.get().barcode
    client = api(phleb_north)
    post_labels(client, ids=[tube])
    post_labels(client, ids=[other])
    post_labels(client, ids=[tube], format="zpl", reason="label came off in the centrifuge")
    return tube


def test_a_tubes_print_history_lists_its_jobs_newest_first(api, phleb_north, printed):
    body = api(phleb_north).get("/api/v1/print-jobs/", {"id": printed.lower()}).json()
    assert body["count"] == 2
    latest, first = body["results"]
    assert latest["reprint"] is True and latest["reason"] == "label came off in the centrifuge"
    assert (latest["format"], latest["ids"], latest["actor"]) == ("zpl", [printed], "phleb-north")
    assert (first["reprint"], first["reason"], first["status"]) == (False, "", "sent")
    assert set(latest) >= {"id", "created_at", "site", "printer", "layout", "copies", "sent_at"}


def test_auditors_read_the_print_history(api, auditor, north_auditor, printed):
    for reader in (auditor, north_auditor):
        assert api(reader).get("/api/v1/print-jobs/", {"id": printed}).json()["count"] == 2


def test_other_sites_do_not_see_the_print_history(api, phleb_south, printed):
    assert api(phleb_south).get("/api/v1/print-jobs/", {"id": printed}).json()["count"] == 0
    assert api(phleb_south).get("/api/v1/print-jobs/").json()["count"] == 0


def test_a_mistyped_id_in_the_history_filter_is_400(api, phleb_north, printed):
    wrong = printed[:-1] + ("A" if printed[-1] != "A" else "B")
    response = api(phleb_north).get("/api/v1/print-jobs/", {"id": wrong})
    assert_problem(response, 400, "invalid_check_character")


def test_one_job_is_read_by_its_id_and_others_are_404(api, phleb_north, phleb_south, printed):
    job = api(phleb_north).get("/api/v1/print-jobs/").json()["results"][0]
    assert api(phleb_north).get(f"/api/v1/print-jobs/{job['id']}/").json() == job
    assert_problem(api(phleb_south).get(f"/api/v1/print-jobs/{job['id']}/"), 404, "not_found")
    assert_problem(api(phleb_north).get("/api/v1/print-jobs/not-a-uuid/"), 404, "not_found")


def test_the_job_list_costs_the_same_queries_for_one_job_or_many(api, phleb_north, make_order):
    client = api(phleb_north)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/print-jobs/").status_code == 200
        return len(captured)

    post_labels(client, order=make_order("1SST8").code)
    one = queries()
    for _ in range(4):
        post_labels(client, order=make_order("1SST8", "1ED10", "1UR10").code)
    assert queries() == one


def test_the_print_job_list_is_paginated(api, phleb_north, printed):
    body = api(phleb_north).get("/api/v1/print-jobs/", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_printers_are_listed_for_the_users_sites(api, phleb_north, auditor, north, south):
    make_printer("north-zebra", north, address="10.0.4.21:9100", dpi=300, is_default_for_site=True)
    make_printer("north-pdf", north, kind="pdf")
    make_printer("north-retired", north, address="10.0.4.22:9100", active=False)
    make_printer("south-cups", south, kind="cups", queue="labels")
    names = [p["name"] for p in api(phleb_north).get("/api/v1/printers/").json()["results"]]
    assert names == ["north-pdf", "north-zebra"]
    zebra = api(phleb_north).get("/api/v1/printers/", {"kind": "zpl_tcp"}).json()["results"]
    assert zebra == [
        {
            "name": "north-zebra",
            "site": "SITE-NORTH",
            "kind": "zpl_tcp",
            "address": "10.0.4.21:9100",
            "queue": "",
            "dpi": 300,
            "layout": "tube_128x050",
            "format": "zpl",
            "is_default_for_site": True,
        }
    ]
    south_only = api(auditor).get("/api/v1/printers/", {"site": "SITE-SOUTH"}).json()
    assert [p["name"] for p in south_only["results"]] == ["south-cups"]

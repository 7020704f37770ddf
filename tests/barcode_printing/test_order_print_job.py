"""An order's answer carries its labels' print job: a label printer that was off is never a
silent failure, and the retry it offers is the print job's own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from barcode_printing.models import PrintJob
from tests.barcode_printing.conftest import commits, make_printer, post_labels
from tests.barcode_printing.loopback import LoopbackPrinter, free_port
from tests.specimens.conftest import NO_RISK


def create_order(client, *tubes):
    body = {"participant": "P000000001", "site": "SITE-NORTH", "tubes": list(tubes)}
    return client.post("/api/v1/orders/", {**body, "safety": NO_RISK}, format="json")


@commits
def test_an_order_whose_labels_could_not_be_sent_says_so(api, phleb_north, north, participant):
    port = free_port()
    make_printer("north-off", north, address=f"127.0.0.1:{port}", is_default_for_site=True)
    client = api(phleb_north)
    response = create_order(client, "1SST8", "1UR10")
    assert response.status_code == 201, response.content
    order = response.json()
    job = PrintJob.objects.get()
    assert order["print_job"]["id"] == str(job.public_id)
    assert order["print_job"]["status"] == "failed"
    assert f"127.0.0.1:{port}" in order["print_job"]["error"]
    assert order["print_job"]["actions"] == ["retry"]
    again = client.get(f"/api/v1/orders/{order['code']}/").json()
    assert again["print_job"] == order["print_job"]


@commits
def test_the_retried_job_shows_on_the_order_once_the_printer_is_back(
    api, phleb_north, north, participant
):
    port = free_port()
    make_printer("north-off", north, address=f"127.0.0.1:{port}", is_default_for_site=True)
    client = api(phleb_north)
    order = create_order(client, "1ED10").json()
    printer = LoopbackPrinter(port)
    retried = client.post(f"/api/v1/print-jobs/{order['print_job']['id']}/retry/")
    assert retried.status_code == 202, retried.content
    assert printer.job()
    shown = client.get(f"/api/v1/orders/{order['code']}/").json()["print_job"]
    assert (shown["id"], shown["status"], shown["error"], shown["actions"]) == (
        order["print_job"]["id"],
        "sent",
        "",
        [],
    )


@commits
def test_an_order_printed_on_a_working_printer_shows_it_sent(
    api, phleb_north, north, participant, loopback
):
    make_printer(
        "north-zebra", north, address=f"127.0.0.1:{loopback.port}", is_default_for_site=True
    )
    order = create_order(api(phleb_north), "1SAL").json()
    assert loopback.job()
    assert order["print_job"]["status"] == "sent" and order["print_job"]["error"] == ""


@pytest.mark.django_db
def test_an_order_without_a_label_printer_has_no_print_job_until_labels_are_made(
    api, phleb_north, participant
):
    client = api(phleb_north)
    order = create_order(client, "1SST8").json()
    assert order["print_job"] is None
    assert post_labels(client, order=order["code"]).status_code == 200
    shown = client.get(f"/api/v1/orders/{order['code']}/").json()["print_job"]
    assert shown["status"] == "sent" and shown["id"] == str(PrintJob.objects.get().public_id)


@pytest.mark.django_db
def test_an_auditor_sees_the_failure_but_is_offered_no_retry(
    api, phleb_north, north_auditor, participant
):
    client = api(phleb_north)
    order = create_order(client, "1SST8").json()
    post_labels(client, order=order["code"])
    job = PrintJob.objects.get()
    job.status, job.error, job.sent_at = "failed", "printer off", None
    job.save()
    shown = api(north_auditor).get(f"/api/v1/orders/{order['code']}/").json()["print_job"]
    assert (shown["status"], shown["actions"]) == ("failed", [])


@pytest.mark.django_db
def test_listing_orders_with_their_print_jobs_takes_the_same_queries_for_more_orders(
    api, phleb_north, participant
):
    client = api(phleb_north)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/orders/").status_code == 200
        return len(captured)

    post_labels(client, order=create_order(client, "1SST8").json()["code"])
    one = queries()
    for _ in range(3):
        post_labels(client, order=create_order(client, "1ED10", "1UR10").json()["code"])
    listed = client.get("/api/v1/orders/").json()["results"]
    assert [order["print_job"]["status"] for order in listed] == ["sent"] * 4
    assert queries() == one

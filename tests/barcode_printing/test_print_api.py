"""POST labels/ end to end: files decode to the tubes' IDs, label printers receive ZPL after the
job has committed, and an unreachable printer is a failed, retryable job answered 503."""

import pytest
from django.db import transaction

from barcode_printing.choices import PrintStatus
from barcode_printing.layouts import LAYOUTS
from barcode_printing.models import PrintJob
from barcode_printing.transports import RawTcpTransport
from lims import notes
from tests.barcode_printing.conftest import commits, make_printer, post_labels
from tests.barcode_printing.decoding import (
    CODE128,
    DATAMATRIX,
    decode,
    expected_symbols,
    pdf_page_sizes,
    pdf_pages,
    png_image,
    svg_image,
    zpl_labels,
)
from tests.barcode_printing.loopback import LoopbackPrinter, free_port
from tests.helpers import assert_problem

TUBE = LAYOUTS["tube_128x050"]


def barcodes(order) -> list[str]:
    return [specimen.barcode for specimen in order.specimens.order_by("barcode")]


@pytest.mark.django_db
def test_an_order_downloads_as_a_pdf_with_one_page_per_label(api, phleb_north, make_order):
    order = make_order("1SST8", "1UR10")
    sst, urine = barcodes(order)
    response = post_labels(api(phleb_north), order=order.code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="labels-{sst}.pdf"'
    # A urine tube takes two labels.
    assert [decode(page) for page in pdf_pages(response.content)] == [
        expected_symbols(TUBE, sst),
        expected_symbols(TUBE, urine),
        expected_symbols(TUBE, urine),
    ]
    assert pdf_page_sizes(response.content) == [pytest.approx((1.28 * 72, 0.5 * 72))] * 3
    job = PrintJob.objects.get(public_id=response["X-Print-Job"])
    assert (job.status, job.printer, job.site.code, job.format) == (
        "sent",
        None,
        "SITE-NORTH",
        "pdf",
    )
    assert job.sent_at is not None
    assert [item.payload for item in job.items.all()] == [sst, urine]


@pytest.mark.django_db
def test_a_client_accepting_only_pdf_gets_the_pdf_and_errors_as_problems(
    api, phleb_north, make_order
):
    order = make_order("1SST8")
    client = api(phleb_north)
    response = client.post(
        "/api/v1/labels/", {"order": order.code}, format="json", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    refused = client.post(
        "/api/v1/labels/", {"order": "ORD-9999999"}, format="json", HTTP_ACCEPT="application/pdf"
    )
    assert_problem(refused, 404, "not_found")


@pytest.mark.django_db
def test_a_pdf_printer_answers_the_file_and_is_recorded(api, phleb_north, make_order, office):
    order = make_order("1ED10")
    response = post_labels(api(phleb_north), order=order.code, printer="north-pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    job = PrintJob.objects.get(public_id=response["X-Print-Job"])
    assert (job.status, job.printer) == (PrintStatus.SENT, office)


@pytest.mark.django_db
def test_a_sheet_layout_fills_a_letter_page(api, phleb_north, make_order):
    order = make_order("1SST8", "1ED10")
    response = post_labels(api(phleb_north), order=order.code, layout="letter_tube_128x050")
    assert pdf_page_sizes(response.content) == [pytest.approx((612, 792))]
    found = decode(pdf_pages(response.content)[0])
    assert found == sorted(((CODE128, code) for code in barcodes(order)), key=str)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "content_type", "image"),
    [("png", "image/png", png_image), ("svg", "image/svg+xml", svg_image)],
)
def test_one_id_downloads_as_an_image_of_its_symbol(
    api, phleb_north, make_order, fmt, content_type, image
):
    (barcode,) = barcodes(make_order("1UR10"))
    response = post_labels(api(phleb_north), ids=[barcode.lower()], format=fmt)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert decode(image(response.content)) == [(CODE128, barcode)]
    assert PrintJob.objects.get().format == fmt


@pytest.mark.django_db
def test_the_cap_layout_image_is_a_datamatrix(api, phleb_north, make_order):
    (barcode,) = barcodes(make_order("1SAL"))
    response = post_labels(api(phleb_north), ids=[barcode], format="png", layout="cap_050")
    assert decode(png_image(response.content)) == [(DATAMATRIX, barcode)]


@pytest.mark.django_db
def test_an_image_of_several_ids_is_refused(api, phleb_north, make_order):
    order = make_order("1SST8", "1ED10")
    response = post_labels(api(phleb_north), order=order.code, format="png")
    assert_problem(response, 400, "image_takes_one_id")
    assert not PrintJob.objects.exists()


@pytest.mark.django_db
def test_zpl_downloads_for_a_203_dpi_printer(api, phleb_north, make_order):
    order = make_order("1SST8", "1ED10")
    response = post_labels(api(phleb_north), order=order.code, format="zpl", copies=2)
    assert response["Content-Type"] == "application/zpl"
    labels = zpl_labels(response.content, dpi=203)
    assert [decode(label) for label in labels] == [
        expected_symbols(TUBE, code) for code in barcodes(order) for _ in range(2)
    ]
    assert PrintJob.objects.get().copies == 2


@commits
def test_a_label_printer_receives_zpl_at_its_dpi_and_the_job_is_sent(
    api, phleb_north, make_order, zebra, loopback
):
    order = make_order("1SST8", "1UR10")
    response = post_labels(api(phleb_north), order=order.code, printer="north-zebra")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "sent" and body["printer"] == "north-zebra"
    assert body["ids"] == barcodes(order)
    sst, urine = barcodes(order)
    labels = zpl_labels(loopback.job(), dpi=300)
    assert [decode(label) for label in labels] == [
        expected_symbols(TUBE, code) for code in (sst, urine, urine)
    ]
    job = PrintJob.objects.get(public_id=body["id"])
    assert (job.status, job.format, job.error) == ("sent", "zpl", "")
    assert notes.reason(job.history.first()) == "delivery to north-zebra: sent"


@commits
def test_the_printer_is_sent_the_bytes_only_after_the_job_has_committed(
    api, phleb_north, make_order, zebra, loopback, monkeypatch
):
    seen = []
    real_send = RawTcpTransport.send

    def spy(transport, data):
        seen.append(
            (
                transaction.get_connection().in_atomic_block,
                list(PrintJob.objects.values_list("status", flat=True)),
            )
        )
        return real_send(transport, data)

    monkeypatch.setattr(RawTcpTransport, "send", spy)
    order = make_order("1ED10")
    assert post_labels(api(phleb_north), order=order.code, printer="north-zebra").status_code == 202
    # Outside any transaction: the job, claimed for sending, was committed when the printer
    # spoke.
    assert seen == [(False, ["sending"])]
    assert loopback.job()


@commits
def test_an_unreachable_printer_is_503_and_the_job_is_kept_failed(
    api, phleb_north, make_order, north
):
    port = free_port()
    make_printer("north-off", north, address=f"127.0.0.1:{port}")
    order = make_order("1ED10")
    body = assert_problem(
        post_labels(api(phleb_north), order=order.code, printer="north-off"),
        503,
        "printer_unreachable",
    )
    job = PrintJob.objects.get()
    assert body["job"] == str(job.public_id)
    assert f"127.0.0.1:{port}" in body["detail"] and "retry" in body["detail"]
    assert (job.status, job.sent_at) == ("failed", None)
    assert f"127.0.0.1:{port}" in job.error
    # Nothing was printed, so printing the tube again is no reprint.
    assert post_labels(api(phleb_north), order=order.code).status_code == 200


@commits
def test_a_failed_job_is_retried_and_sends_the_same_bytes(
    api, phleb_north, phleb_south, auditor, make_order, north
):
    port = free_port()
    make_printer("north-off", north, address=f"127.0.0.1:{port}")
    order = make_order("1SST8")
    client = api(phleb_north)
    post_labels(client, order=order.code, printer="north-off")
    job = PrintJob.objects.get()
    retry = f"/api/v1/print-jobs/{job.public_id}/retry/"
    assert_problem(api(phleb_south).post(retry), 404, "not_found")
    assert_problem(api(auditor).post(retry), 403, "role_forbids_action")
    printer = LoopbackPrinter(port)
    response = client.post(retry)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "sent"
    assert printer.job() == bytes(PrintJob.objects.get().document)
    history = [r.status for r in PrintJob.history.filter(id=job.pk).order_by("history_id")]
    assert history == ["queued", "sending", "failed", "queued", "sending", "sent"]
    assert_problem(client.post(retry), 409, "print_job_not_failed")


@commits
def test_a_failed_job_is_not_retried_once_its_ids_were_printed_again(
    api, phleb_north, make_order, north
):
    make_printer("north-off", north, address=f"127.0.0.1:{free_port()}")
    order = make_order("1SST8")
    client = api(phleb_north)
    post_labels(client, order=order.code, printer="north-off")
    failed = PrintJob.objects.get()
    assert post_labels(client, order=order.code).status_code == 200
    response = client.post(f"/api/v1/print-jobs/{failed.public_id}/retry/")
    assert_problem(response, 409, "print_job_superseded")
    assert PrintJob.objects.get(pk=failed.pk).status == "failed"


@commits
def test_with_an_idempotency_key_the_job_is_queued_and_sent_after_the_answer(
    api, phleb_north, make_order, zebra, loopback
):
    order = make_order("1ED10")
    response = api(phleb_north).post(
        "/api/v1/labels/",
        {"order": order.code, "printer": "north-zebra"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="labels-1",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert loopback.job()
    assert PrintJob.objects.get().status == "sent"

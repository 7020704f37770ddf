"""Printers and print jobs as data: database constraints, the admin, and the demo printers."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from barcode_printing.models import Printer, PrintJob
from barcode_printing.transports import CupsTransport, DownloadTransport, RawTcpTransport
from tests.barcode_printing.conftest import make_printer, post_labels
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            Printer.objects.create(**fields)
    except IntegrityError:
        return True
    return False


def test_a_site_has_at_most_one_default_printer(north, south):
    make_printer("north-a", north, kind="pdf", is_default_for_site=True)
    assert refused(name="north-b", site=north, kind="pdf", is_default_for_site=True)
    assert not refused(name="south-a", site=south, kind="pdf", is_default_for_site=True)
    assert not refused(name="north-c", site=north, kind="pdf")


def test_a_printer_needs_where_to_send_and_a_real_resolution(north):
    assert refused(name="z", site=north, kind="zpl_tcp", address="")
    assert refused(name="z", site=north, kind="zpl_tcp", address="10.0.0.1")
    assert refused(name="c", site=north, kind="cups", queue="")
    assert refused(name="d", site=north, kind="pdf", dpi=600)
    assert refused(name="k", site=north, kind="fax")


def test_each_kind_of_printer_has_its_transport(north):
    zebra = make_printer("zebra", north, address="10.0.4.21:9101").transport()
    assert isinstance(zebra, RawTcpTransport) and (zebra.host, zebra.port) == ("10.0.4.21", 9101)
    cups = make_printer("cups", north, kind="cups", queue="labels").transport()
    assert isinstance(cups, CupsTransport) and cups.queue == "labels"
    assert isinstance(make_printer("pdf", north, kind="pdf").transport(), DownloadTransport)


def test_a_reprint_without_a_reason_is_refused_by_the_database(api, phleb_north, make_order):
    post_labels(api(phleb_north), order=make_order("1SST8").code)
    job = PrintJob.objects.get()
    job.reprint = True
    with pytest.raises(IntegrityError), transaction.atomic():
        job.save()


def test_print_jobs_are_read_only_in_the_admin(api, phleb_north, make_order):
    post_labels(api(phleb_north), order=make_order("1SST8").code)
    browser = Client()
    browser.force_login(make_user("root", is_superuser=True, is_staff=True))
    job = PrintJob.objects.get()
    page = browser.get(f"/admin/barcode_printing/printjob/{job.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert browser.get("/admin/barcode_printing/printjob/add/").status_code == 403
    assert browser.get("/admin/barcode_printing/printer/add/").status_code == 200
    tube = job.items.get().payload
    found = browser.get("/admin/barcode_printing/printjob/", {"q": tube})
    assert str(job.public_id) in found.content.decode()
    assert browser.get("/admin/barcode_printing/printjob/", {"q": "no-such"}).status_code == 200


def test_a_label_printer_is_not_loaded_with_a_sheet(north):
    printer = Printer(name="z", site=north, kind="zpl_tcp", address="10.0.0.1:9100")
    printer.layout = "letter_tube_128x050"
    with pytest.raises(ValidationError, match="not a sheet"):
        printer.full_clean()
    printer.kind = "pdf"
    printer.full_clean()


def test_each_demo_site_gets_a_pdf_printer_and_a_default_zebra(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    printers = {
        (p.name, p.site.code, p.kind, p.address, p.is_default_for_site)
        for p in Printer.objects.select_related("site")
    }
    assert printers == {
        (f"{code.lower()}-{name}", code, kind, address, kind == "zpl_tcp")
        for code in ("SITE-NORTH", "SITE-SOUTH", "BIOBANK")
        for name, kind, address in (("pdf", "pdf", ""), ("zebra", "zpl_tcp", "127.0.0.1:9100"))
    }

"""The box label printed from the box page: to a label printer (the job's state answered and
listed), to the PDF printer (a real PDF carrying the box's code); a reprint needs a reason, an
unknown printer is refused, and nothing is printed either way."""

import html

import pypdfium2
import pytest

from barcode_printing.models import Printer, PrintJob
from lims.audit import stamp
from tests.barcode_printing.loopback import LoopbackPrinter

# Outside a test transaction, as in a request, a job is delivered before the page answers.
pytestmark = pytest.mark.django_db(transaction=True)


def _printer(site, name, kind="zpl_tcp", port=None):
    printer = Printer(name=name, site=site, kind=kind, address=f"127.0.0.1:{port}" if port else "")
    stamp(printer, actor=None, reason="test setup").save()
    return printer


def url(box) -> str:
    return f"/storage/boxes/{box.code}/label"


def test_the_box_label_goes_to_a_printer_and_its_job_is_shown(page_for, tech, biobank, box):
    printer = LoopbackPrinter()
    _printer(biobank, "bank-zebra", port=printer.port)
    page = page_for(tech)
    assert 'action="' + url(box) + '"' in page.get(f"/storage/boxes/{box.code}").content.decode()
    done = page.post(url(box), {"printer": "bank-zebra"}, follow=True)
    body = html.unescape(done.content.decode())
    assert f"Box label of {box.code} sent to bank-zebra." in body and 'role="status"' in body
    assert done.redirect_chain[-1][0] == f"/storage/boxes/{box.code}"
    job = PrintJob.objects.get()
    assert (job.status, job.actor, job.reprint) == ("sent", tech, False)
    assert "Sent" in body.split('id="jobs"', 1)[1]
    assert box.code.encode() in printer.job()

    refused = page.post(url(box), {"printer": "bank-zebra"})
    assert refused.status_code == 400 and "Say why you reprint" in refused.content.decode()
    assert PrintJob.objects.count() == 1
    page.post(url(box), {"printer": "bank-zebra", "reason": "label frosted over"})
    reprint = PrintJob.objects.order_by("-pk").first()
    assert (reprint.reprint, reprint.reason) == (True, "label frosted over")
    assert printer.job()


def test_the_pdf_printer_downloads_the_box_label(page_for, tech, biobank, box):
    _printer(biobank, "bank-pdf", kind="pdf")
    response = page_for(tech).post(url(box), {"printer": "bank-pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert f"label-{box.code}.pdf" in response["Content-Disposition"]
    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert box.code in text and box.rack.freezer.code in text


@pytest.mark.parametrize("fields", [{"printer": "nowhere"}, {}])
def test_an_unknown_or_missing_printer_is_refused(page_for, tech, biobank, box, fields):
    _printer(biobank, "bank-pdf", kind="pdf")
    response = page_for(tech).post(url(box), fields)
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert 'role="alert"' in body and f"Box label of {box.code}: not printed; see the form." in body
    assert not PrintJob.objects.exists()


def test_others_cannot_print_the_box_label(page_for, phleb_north, auditor, tech, biobank, box):
    _printer(biobank, "bank-pdf", kind="pdf")
    for other in (phleb_north, auditor):
        assert page_for(other).post(url(box), {"printer": "bank-pdf"}).status_code == 403
    assert page_for(tech).post("/storage/boxes/BOX-9999999/label", {}).status_code == 404
    assert page_for(tech).get(url(box)).status_code == 405
    assert not PrintJob.objects.exists()

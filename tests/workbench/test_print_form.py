"""The printer form the box page, the order's labels page and the packing station share: with no
printer at the site it says so and who adds one, offers no Print button and refuses a post;
with printers it offers them and a button."""

import html

import pytest

from barcode_printing.models import Printer, PrintJob
from lims.audit import stamp

NO_PRINTER = (
    "No label printer is set up for {site}, so labels cannot be printed here. "
    "An administrator adds one in the admin (Barcode printing › Printers)."
)
ADMIN_ADD = 'href="/admin/barcode_printing/printer/add/"'


@pytest.fixture(params=["box", "order", "package"])
def printing_page(request, tech, biobank, phleb_north, north):
    """(user, page URL, URL the form posts to, the printers' site, the Print button's text)."""
    if request.param == "box":
        code = request.getfixturevalue("box").code
        page = f"/storage/boxes/{code}"
        return tech, page, f"{page}/label", biobank, "Print the box label"
    if request.param == "order":
        page = f"/collect/orders/{request.getfixturevalue('order').code}/labels"
        return phleb_north, page, page, north, "Print"
    code = request.getfixturevalue("shipment").code
    return (
        phleb_north,
        f"/stations/shipments/{code}/pack",
        f"/stations/shipments/{code}/label",
        north,
        "Print the label",
    )


def _body(response) -> str:
    return html.unescape(response.content.decode())


def test_without_a_printer_the_page_says_who_adds_one_and_offers_no_print(page_for, printing_page):
    user, page, _, site, button = printing_page
    body = _body(page_for(user).get(page))
    assert NO_PRINTER.format(site=site.code) in body
    assert 'name="printer"' not in body and f">{button}</button>" not in body
    assert ADMIN_ADD not in body


def test_without_a_printer_a_post_is_refused_and_nothing_printed(page_for, printing_page):
    user, _, post_to, site, _ = printing_page
    response = page_for(user).post(post_to, {"printer": "anything"})
    assert response.status_code == 400
    assert NO_PRINTER.format(site=site.code) in _body(response)
    assert not PrintJob.objects.exists()


def test_a_staff_user_is_linked_to_adding_a_printer(page_for, printing_page):
    user, page, _, _, _ = printing_page
    user.is_staff = True
    stamp(user, actor=None, reason="test setup").save()
    assert ADMIN_ADD in _body(page_for(user).get(page))


def test_with_printers_the_page_offers_them_and_a_print_button(page_for, printing_page):
    user, page, _, site, button = printing_page
    for name, kind in (("zebra-1", "zpl_tcp"), ("office-pdf", "pdf")):
        printer = Printer(name=name, site=site, kind=kind, address="127.0.0.1:9100")
        stamp(printer, actor=None, reason="test setup").save()
    body = _body(page_for(user).get(page))
    assert '<option value="office-pdf">office-pdf (PDF download (any office printer))' in body
    assert '<option value="zebra-1">zebra-1 (Zebra (ZPL) on raw TCP port 9100)' in body
    assert f">{button}</button>" in body
    assert "No label printer is set up" not in body

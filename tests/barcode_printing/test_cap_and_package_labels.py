"""The cap label (DataMatrix) prints a tube's data like any tube layout; the 4 by 6 inch
package label names the sending site's responsible person and 24-hour telephone, once."""

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from barcode_printing.layouts import LAYOUTS
from barcode_printing.models import PrintJob
from lims.audit import stamp
from shipments import packing
from tests.barcode_printing.conftest import commits, make_printer, post_labels
from tests.barcode_printing.decoding import (
    CODE128,
    DATAMATRIX,
    decode,
    pdf_pages,
    zpl_labels,
)
from tests.helpers import assert_problem

CAP = LAYOUTS["cap_050"]


def _text(pdf: bytes) -> str:
    return "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "zpl"])
def test_an_orders_cap_labels_decode_to_each_tubes_id(api, phleb_north, make_order, fmt):
    order = make_order("1SST8", "1SAL")
    tubes = sorted(order.specimens.values_list("barcode", flat=True))
    response = post_labels(api(phleb_north), order=order.code, layout="cap_050", format=fmt)
    assert response.status_code == 200, response.content
    pages = pdf_pages(response.content) if fmt == "pdf" else zpl_labels(response.content, 203)
    assert sorted(decode(page)[0][1] for page in pages) == tubes
    assert all(decode(page) == [(DATAMATRIX, decode(page)[0][1])] for page in pages)
    assert PrintJob.objects.get().layout == "cap_050"


@commits
def test_a_zebra_loaded_with_cap_labels_prints_a_new_orders_tubes(
    api, phleb_north, north, make_order, loopback
):
    make_printer("north-caps", north, address=f"127.0.0.1:{loopback.port}", layout="cap_050")
    order = make_order("1SAL")
    (tube,) = order.specimens.values_list("barcode", flat=True)
    response = post_labels(api(phleb_north), order=order.code, printer="north-caps")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "sent"
    assert [decode(label) for label in zpl_labels(loopback.job(), 203)] == [[(DATAMATRIX, tube)]]


@pytest.fixture
def shipment(phleb_north, north, biobank):
    return packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="refrigerated"
    )


@pytest.mark.django_db
def test_the_package_label_names_the_responsible_person_and_phone_once(
    api, phleb_north, north, shipment
):
    north.responsible_name, north.responsible_phone = "Dana Okafor", "+1 312 555 0142"
    stamp(north, actor=None, reason="test: shipping contact").save()
    response = post_labels(api(phleb_north), shipment=shipment.code, format="pdf")
    assert response.status_code == 200, response.content
    text = _text(response.content)
    assert text.count("Responsible") == 1
    assert "Responsible: Dana Okafor, tel. +1 312 555 0142 (24 h)" in text
    assert (CODE128, shipment.code) in decode(pdf_pages(response.content, dpi=300)[0])


@pytest.mark.django_db
def test_the_zpl_package_label_carries_the_contact_once(api, phleb_north, north, shipment):
    response = post_labels(api(phleb_north), shipment=shipment.code, format="zpl")
    assert response.status_code == 200, response.content
    zpl = response.content.decode()
    assert zpl.count("Responsible") == 1
    assert f"Responsible: {north.responsible_name}, tel. {north.responsible_phone} (24 h)" in zpl


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["responsible_name", "responsible_phone"])
def test_a_package_label_without_a_responsible_contact_is_refused(
    api, phleb_north, north, shipment, missing
):
    setattr(north, missing, "")
    stamp(north, actor=None, reason="test: contact removed").save()
    response = post_labels(api(phleb_north), shipment=shipment.code, format="pdf")
    assert_problem(response, 409, "responsible_contact_missing")
    assert north.code in response.json()["detail"]
    assert not PrintJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["call Dana", "555", "+1 312 555 0142 ext", "++1 312 555 0142"])
def test_a_site_phone_that_is_not_a_telephone_number_is_refused(north, phone):
    north.responsible_phone = phone
    with pytest.raises(ValidationError) as raised:
        north.full_clean()
    assert "responsible_phone" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        stamp(north, actor=None, reason="test: bad phone").save()

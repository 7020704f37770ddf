"""A box's label through POST labels/: its code as barcodes and where the box lives."""

import pypdfium2
import pytest

from tests.barcode_printing.decoding import CODE128, DATAMATRIX, decode, pdf_pages
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_a_box_label_carries_its_code_and_place(api, tech, box):
    response = api(tech).post("/api/v1/labels/", {"box": box.code.lower(), "format": "pdf"})
    assert response.status_code == 200, response.content
    page = pdf_pages(response.content, dpi=300)[0]
    assert page.size == (600, 300)
    assert decode(page) == sorted([(CODE128, box.code), (DATAMATRIX, box.code)], key=str)
    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert box.rack.freezer.code in text and box.code in text


def test_a_box_outside_scope_has_no_label(api, phleb_north, box):
    response = api(phleb_north).post("/api/v1/labels/", {"box": box.code})
    assert_problem(response, 404, "unknown_box")

"""PDF labels: rendered to pixels with pdfium, every barcode decodes to its label's payload."""

import dataclasses

import pytest

from barcode_printing.ids import format_id
from barcode_printing.layouts import LAYOUTS, SHEETS, LabelData, PayloadTooLong
from barcode_printing.pdf import labels_pdf, sheet_pdf
from barcode_printing.symbols import code128_modules
from lims.errors import InvalidInput
from tests.barcode_printing.decoding import (
    SAMPLE_LABELS,
    decode,
    expected_symbols,
    pdf_page_sizes,
    pdf_pages,
)

OTHER_PAYLOADS = {
    "tube_128x050": format_id("BX", 9_999_999),
    "tube_200x125": format_id("BX", 1),
    "cap_050": format_id("BX", 5_000_000),
    "box_200x100": "BOX-999999",
    "shipment_400x600": "SH-7",
}


def two_labels(name: str) -> list[LabelData]:
    first = SAMPLE_LABELS[name]
    return [first, dataclasses.replace(first, payload=OTHER_PAYLOADS[name])]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_label_gets_a_page_the_size_of_the_label(name):
    layout = LAYOUTS[name]
    sizes = pdf_page_sizes(labels_pdf(layout, two_labels(name)))
    assert sizes == [pytest.approx((layout.width_in * 72, layout.height_in * 72))] * 2


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_barcode_on_every_label_page_decodes_to_that_labels_payload(name, dpi):
    layout = LAYOUTS[name]
    labels = two_labels(name)
    pages = pdf_pages(labels_pdf(layout, labels, dpi=dpi), dpi=600)
    assert [decode(page) for page in pages] == [
        expected_symbols(layout, label.payload) for label in labels
    ]


def test_pdf_bars_land_on_whole_dots_of_a_300_dpi_printer():
    data = SAMPLE_LABELS["tube_128x050"]
    page = pdf_pages(labels_pdf(LAYOUTS["tube_128x050"], [data]), dpi=300)[0].convert("L")
    middle = page.height // 4
    row = "".join("1" if page.getpixel((x, middle)) < 128 else "0" for x in range(page.width))
    assert row.strip("0") == "".join(module * 2 for module in code128_modules(data.payload))


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_every_position_on_a_sheet_decodes_to_the_label_printed_there(name):
    sheet = SHEETS[name]
    template = SAMPLE_LABELS[sheet.layout.name]
    make = (lambda n: format_id("BX", n)) if "tube" in name else (lambda n: f"BOX-{n:06d}")
    labels = [dataclasses.replace(template, payload=make(n)) for n in range(1, sheet.per_page + 4)]
    skip = 2
    pages = pdf_pages(sheet_pdf(sheet, labels, skip=skip), dpi=300)
    assert len(pages) == 2
    dots_per_mm = 300 / 25.4
    for position, label in enumerate(labels, start=skip):
        x, y = sheet.position(position)
        box = (
            round(x * dots_per_mm),
            round(y * dots_per_mm),
            round((x + sheet.layout.width_mm) * dots_per_mm),
            round((y + sheet.layout.height_mm) * dots_per_mm),
        )
        cell = pages[position // sheet.per_page].crop(box)
        assert decode(cell) == expected_symbols(sheet.layout, label.payload), position


def test_skipped_positions_of_a_partly_used_sheet_stay_blank():
    sheet = SHEETS["letter_box_200x100"]
    page = pdf_pages(sheet_pdf(sheet, [SAMPLE_LABELS["box_200x100"]], skip=2), dpi=150)[0]
    dots_per_mm = 150 / 25.4
    for position in range(2):
        x, y = sheet.position(position)
        width, height = sheet.layout.width_mm, sheet.layout.height_mm
        cell = page.convert("L").crop(
            tuple(round(v * dots_per_mm) for v in (x, y, x + width, y + height))
        )
        assert cell.getextrema() == (255, 255)


def test_barcodes_are_drawn_as_vectors_not_embedded_images():
    pdf = labels_pdf(LAYOUTS["box_200x100"], [SAMPLE_LABELS["box_200x100"]])
    assert b"/Subtype /Image" not in pdf


def test_a_barcode_that_does_not_fit_stops_the_whole_batch():
    too_long = dataclasses.replace(
        SAMPLE_LABELS["tube_128x050"], payload="BX0000123X-ALIQUOT-0001-XYZ"
    )
    with pytest.raises(PayloadTooLong):
        labels_pdf(LAYOUTS["tube_128x050"], [SAMPLE_LABELS["tube_128x050"], too_long])


def test_an_empty_batch_is_refused_rather_than_printing_a_blank_label():
    with pytest.raises(InvalidInput, match="No labels"):
        labels_pdf(LAYOUTS["tube_128x050"], [])


def test_skipping_a_whole_sheet_or_more_is_refused():
    sheet = SHEETS["letter_box_200x100"]
    with pytest.raises(InvalidInput):
        sheet_pdf(sheet, [SAMPLE_LABELS["box_200x100"]], skip=sheet.per_page)

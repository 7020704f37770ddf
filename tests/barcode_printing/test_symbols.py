"""Barcode symbols decode, with zxing-cpp, to exactly the payload they were made from."""

import xml.dom.minidom

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_printing.layouts import LAYOUTS
from barcode_printing.symbols import (
    CODE128_QUIET_MODULES,
    InvalidPayload,
    code128_modules,
    code128_png,
    code128_svg,
    dark_runs,
    datamatrix_matrix,
    datamatrix_png,
    datamatrix_svg,
)
from tests.barcode_printing.decoding import (
    CODE128,
    DATAMATRIX,
    SAMPLE_LABELS,
    decode,
    expected_symbols,
    png_image,
    svg_image,
)

PAYLOADS = ["BX0000123X", "SH-000123", "BOX-000042", "ORD-0000007", "x", "a^b~c_d>e<f\\g"]
printable_ascii = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=24
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_code128_png_decodes_to_the_payload(payload):
    assert decode(png_image(code128_png(payload))) == [(CODE128, payload)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_code128_svg_decodes_to_the_payload_once_rasterised(payload):
    assert decode(svg_image(code128_svg(payload))) == [(CODE128, payload)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_datamatrix_png_decodes_to_the_payload(payload):
    assert decode(png_image(datamatrix_png(payload))) == [(DATAMATRIX, payload)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_datamatrix_svg_decodes_to_the_payload_once_rasterised(payload):
    assert decode(svg_image(datamatrix_svg(payload))) == [(DATAMATRIX, payload)]


RENDERERS = {
    CODE128: {"png": code128_png, "svg": code128_svg},
    DATAMATRIX: {"png": datamatrix_png, "svg": datamatrix_svg},
}
TO_IMAGE = {"png": png_image, "svg": svg_image}


@pytest.mark.parametrize("image_format", ["png", "svg"])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_symbol_of_every_layout_decodes_as_png_and_svg(name, image_format):
    payload = SAMPLE_LABELS[name].payload
    for symbology, _ in expected_symbols(LAYOUTS[name], payload):
        rendered = RENDERERS[symbology][image_format](payload)
        assert decode(TO_IMAGE[image_format](rendered)) == [(symbology, payload)]


@settings(max_examples=40, deadline=None)
@given(printable_ascii)
def test_any_short_printable_ascii_payload_round_trips_through_both_symbologies(payload):
    assert decode(png_image(code128_png(payload, module_px=1))) == [(CODE128, payload)]
    assert decode(png_image(datamatrix_png(payload, module_px=2))) == [(DATAMATRIX, payload)]


@pytest.mark.parametrize("module_px", [1, 2, 3])
def test_every_code128_png_module_is_a_whole_number_of_pixels(module_px):
    image = png_image(code128_png("BOX-000042", module_px=module_px)).convert("L")
    row = "".join("1" if image.getpixel((x, 0)) < 128 else "0" for x in range(image.width))
    quiet = "0" * CODE128_QUIET_MODULES * module_px
    modules = "".join(module * module_px for module in code128_modules("BOX-000042"))
    assert row == quiet + modules + quiet


def test_a_code128_png_has_no_text_under_the_bars_unless_asked():
    plain = png_image(code128_png("SH-000123", height_px=60))
    captioned = png_image(code128_png("SH-000123", height_px=60, text=True))
    assert plain.height == 60
    assert captioned.height > 60
    assert decode(captioned) == [(CODE128, "SH-000123")]


def test_a_code128_svg_keeps_a_ten_module_quiet_zone_and_no_text_unless_asked():
    document = xml.dom.minidom.parseString(code128_svg("SH-000123", module_mm=0.3))
    bars = [r for r in document.getElementsByTagName("rect") if "black" in r.getAttribute("style")]
    assert float(bars[0].getAttribute("x").removesuffix("mm")) == pytest.approx(3.0)
    assert not document.getElementsByTagName("text")
    captioned = xml.dom.minidom.parseString(code128_svg("SH-000123", text=True))
    assert captioned.getElementsByTagName("text")


def test_a_datamatrix_is_square_with_its_finder_pattern():
    matrix = datamatrix_matrix("BX0000123X")
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert all(row[0] for row in matrix), "solid left edge"
    assert all(matrix[-1]), "solid bottom edge"
    assert matrix[0] == [column % 2 == 0 for column in range(size)], "dotted top edge"


def test_a_longer_payload_gets_a_larger_datamatrix():
    assert len(datamatrix_matrix("BX0000123X")) < len(datamatrix_matrix("BOX-000042 FRZ-01 R3 S2"))


def test_runs_of_dark_modules_are_found_at_both_ends_of_a_row():
    assert list(dark_runs([True, True, False, True, False, False, True])) == [
        (0, 2),
        (3, 1),
        (6, 1),
    ]
    assert list(dark_runs([False, False])) == []


@pytest.mark.parametrize("payload", ["", "é", "BX\x1d0001", "\n", "X" * 65])
def test_a_payload_that_is_not_short_printable_ascii_is_refused(payload):
    with pytest.raises(InvalidPayload) as raised:
        code128_modules(payload)
    assert raised.value.code == "invalid_barcode_payload"
    with pytest.raises(InvalidPayload):
        datamatrix_matrix(payload)

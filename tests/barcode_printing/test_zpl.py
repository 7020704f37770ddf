"""ZPL II: each label rendered by zplkit as a 203 or 300 dpi printer would, then decoded."""

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barcode_printing.layouts import LAYOUTS, LabelData, PayloadTooLong
from barcode_printing.zpl import field_data, label_zpl, labels_zpl
from tests.barcode_printing.decoding import (
    CODE128,
    DATAMATRIX,
    SAMPLE_LABELS,
    decode,
    expected_symbols,
    zpl_labels,
)

DPIS = [203, 300]
BOX = LAYOUTS["box_200x100"]
# Characters that mean something to ZPL, to ^BC or to ^BX, all in one payload.
AWKWARD = "A^B~C_D>E<F\\G"


@pytest.mark.parametrize(("dpi", "size"), [(203, "^PW260^LL101"), (300, "^PW384^LL150")])
def test_the_tube_label_format_sets_its_width_and_length_in_dots(dpi, size):
    zpl = label_zpl(LAYOUTS["tube_128x050"], SAMPLE_LABELS["tube_128x050"], dpi=dpi).decode()
    assert size in zpl


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_barcode_on_every_printed_label_decodes_to_that_labels_payload(name, dpi):
    layout = LAYOUTS[name]
    labels = [SAMPLE_LABELS[name], dataclasses.replace(SAMPLE_LABELS[name], payload="SH-1")]
    printed = zpl_labels(labels_zpl(layout, labels, dpi=dpi), dpi)
    assert [decode(image) for image in printed] == [
        expected_symbols(layout, label.payload) for label in labels
    ]


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_printed_label_is_exactly_the_label_stock_size(name, dpi):
    (printed,) = zpl_labels(label_zpl(LAYOUTS[name], SAMPLE_LABELS[name], dpi=dpi), dpi)
    assert printed.size == LAYOUTS[name].size_dots(dpi)


def test_each_label_is_one_format_that_selects_utf8():
    zpl = labels_zpl(BOX, [SAMPLE_LABELS["box_200x100"]] * 3).decode()
    formats = re.findall(r"\^XA.*?\^XZ", zpl)
    assert len(formats) == 3
    assert zpl.count("^XA") == zpl.count("^XZ") == 3
    assert all(fmt.startswith("^XA^CI28") for fmt in formats)


@pytest.mark.parametrize(("dpi", "module"), [(203, 1), (300, 2)])
def test_code128_module_width_is_set_in_whole_dots(dpi, module):
    zpl = label_zpl(LAYOUTS["tube_128x050"], SAMPLE_LABELS["tube_128x050"], dpi=dpi).decode()
    assert f"^BY{module}^BCN," in zpl


def test_datamatrix_is_ecc_200():
    zpl = label_zpl(LAYOUTS["cap_050"], SAMPLE_LABELS["cap_050"]).decode()
    assert re.search(r"\^BXN,\d+,200,", zpl)


def test_zpl_control_characters_in_data_are_hex_escaped():
    assert field_data("a^b~c_d") == "^FH^FDa_5Eb_7Ec_5Fd^FS"


@pytest.mark.parametrize("profile", ["zd621", "specification"])
@pytest.mark.parametrize("dpi", DPIS)
def test_a_payload_with_zpl_and_symbology_control_characters_prints_exactly(dpi, profile):
    data = LabelData(AWKWARD, ("R^1~_",))
    (printed,) = zpl_labels(label_zpl(BOX, data, dpi=dpi), dpi, profile)
    assert decode(printed) == [(CODE128, AWKWARD), (DATAMATRIX, AWKWARD)]


@settings(max_examples=25, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=12))
def test_any_short_printable_ascii_payload_prints_exactly(payload):
    (printed,) = zpl_labels(label_zpl(BOX, LabelData(payload, ("path",)), dpi=203), 203)
    assert decode(printed) == sorted([(CODE128, payload), (DATAMATRIX, payload)], key=str)


def test_text_outside_ascii_is_sent_as_utf8():
    # Checked in the bytes only: zplkit's font 0 has no glyphs beyond ASCII.
    data = LabelData("SH-000123", ("Zürich", "Besançon", "Ørsted"))
    zpl = label_zpl(LAYOUTS["shipment_400x600"], data)
    assert all(name.encode() in zpl for name in ("Zürich", "Besançon", "Ørsted"))


def test_the_dry_ice_line_is_printed_only_with_a_dry_ice_mass():
    layout = LAYOUTS["shipment_400x600"]
    with_ice = SAMPLE_LABELS["shipment_400x600"]
    without = dataclasses.replace(with_ice, dry_ice_kg=None)
    assert b"UN1845 Dry ice, 5.5 kg" in label_zpl(layout, with_ice)
    assert b"UN1845" not in label_zpl(layout, without)
    assert b"UN3373" in label_zpl(layout, without)


@pytest.mark.parametrize("dpi", DPIS)
def test_a_label_whose_barcode_does_not_fit_is_refused_not_printed_clipped(dpi):
    data = dataclasses.replace(SAMPLE_LABELS["tube_128x050"], payload="BX0000123X-ALIQUOT-0001-XYZ")
    with pytest.raises(PayloadTooLong):
        label_zpl(LAYOUTS["tube_128x050"], data, dpi=dpi)

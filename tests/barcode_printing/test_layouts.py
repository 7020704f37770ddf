"""Label layouts: what fits on which stock, what a label may carry, and where things go."""

import math
from decimal import Decimal

import pytest

from barcode_printing.layouts import (
    LAYOUTS,
    SHEETS,
    LabelData,
    ParticipantIdOnLabel,
    PayloadTooLong,
    PlacedBars,
    PlacedDiamond,
    PlacedMatrix,
    PlacedText,
    SheetStock,
    get_layout,
    repeat,
    to_dots,
)
from lims.errors import InvalidInput
from tests.barcode_printing.decoding import SAMPLE_LABELS

DPIS = [203, 300]
TOO_LONG_FOR_A_TUBE = "BX0000123X-ALIQUOT-0001-XYZ"


def texts(layout_name: str, data: LabelData, dpi: int = 203) -> list[str]:
    placed = LAYOUTS[layout_name].place(data, dpi)
    return [element.text for element in placed if isinstance(element, PlacedText)]


@pytest.mark.parametrize(("dpi", "size"), [(203, (260, 101)), (300, (384, 150))])
def test_a_1_28_by_0_5_inch_tube_label_is_260_by_101_dots_at_203_dpi_and_384_by_150_at_300(
    dpi, size
):
    assert LAYOUTS["tube_128x050"].size_dots(dpi) == size


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_fits_the_payload_it_is_made_for(name, dpi):
    assert LAYOUTS[name].fits(SAMPLE_LABELS[name].payload, dpi)


@pytest.mark.parametrize("dpi", DPIS)
def test_a_payload_too_long_for_the_tube_label_is_refused(dpi):
    layout = LAYOUTS["tube_128x050"]
    assert not layout.fits(TOO_LONG_FOR_A_TUBE, dpi)
    with pytest.raises(PayloadTooLong) as raised:
        layout.check_fits(TOO_LONG_FOR_A_TUBE, dpi)
    assert raised.value.code == "payload_too_long"
    assert raised.value.status == 400
    assert "tube_128x050" in str(raised.value)


@pytest.mark.parametrize("dpi", DPIS)
def test_placing_a_label_whose_barcode_does_not_fit_is_refused(dpi):
    data = LabelData(TOO_LONG_FOR_A_TUBE, ("1SST8", "B123456789", "2026-11-23"))
    with pytest.raises(PayloadTooLong):
        LAYOUTS["tube_128x050"].place(data, dpi)


def test_what_is_too_long_for_a_small_tube_label_fits_the_wide_one():
    assert LAYOUTS["tube_200x125"].fits(TOO_LONG_FOR_A_TUBE, 203)


@pytest.mark.parametrize("dpi", DPIS)
def test_a_datamatrix_too_large_for_the_cap_label_is_refused(dpi):
    with pytest.raises(PayloadTooLong):
        LAYOUTS["cap_050"].check_fits("ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2 + "ABCDEFGHIJKL", dpi)


@pytest.mark.parametrize(("dpi", "module"), [(203, 1), (300, 2)])
def test_tube_code128_modules_are_the_narrowest_readable_whole_dots(dpi, module):
    placed = LAYOUTS["tube_128x050"].place(SAMPLE_LABELS["tube_128x050"], dpi)
    bars = next(e for e in placed if isinstance(e, PlacedBars))
    assert bars.module == module


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_symbol_and_its_quiet_zone_lie_inside_the_label(name, dpi):
    layout = LAYOUTS[name]
    width, height = layout.size_dots(dpi)
    for element in layout.place(SAMPLE_LABELS[name], dpi):
        if isinstance(element, PlacedBars):
            quiet = 10 * element.module
            assert element.x - quiet >= 0
            assert element.x + len(element.modules) * element.module + quiet <= width
            assert element.y + element.height <= height
        if isinstance(element, PlacedMatrix):
            side = (len(element.matrix) + 2) * element.module
            assert element.x - element.module >= 0 and element.y - element.module >= 0
            assert element.x + side - element.module <= width
            assert element.y + side - element.module <= height


@pytest.mark.parametrize("value", ["P123456789", "p123456789", "ID P123456789 "])
def test_label_data_refuses_a_participant_id_anywhere(value):
    with pytest.raises(ParticipantIdOnLabel) as raised:
        LabelData("BX0000123X", ("1SST8", value, "2026-11-23"))
    assert raised.value.code == "participant_id_on_label"
    with pytest.raises(ParticipantIdOnLabel):
        LabelData(value)


def test_label_data_takes_the_biobank_id():
    assert LabelData("BX0000123X", ["1SST8", "B123456789", "2026-11-23"]).lines[1] == "B123456789"


def test_a_layout_refuses_data_with_the_wrong_number_of_lines():
    with pytest.raises(InvalidInput, match="tube code, biobank ID, collection date"):
        LAYOUTS["tube_128x050"].place(LabelData("BX0000123X", ("1SST8",)), 203)


def test_the_tube_label_shows_the_id_tube_code_biobank_id_and_collection_date():
    data = SAMPLE_LABELS["tube_128x050"]
    assert texts("tube_128x050", data) == [data.payload, "1SST8", "B123456789", "2026-11-23"]


def test_the_shipment_label_carries_the_un3373_mark_and_the_proper_shipping_name():
    layout = LAYOUTS["shipment_400x600"]
    placed = layout.place(SAMPLE_LABELS["shipment_400x600"], 300)
    diamond = next(e for e in placed if isinstance(e, PlacedDiamond))
    # IATA PI 650: sides of at least 50 mm, lines of at least 2 mm.
    assert diamond.size >= to_dots(50 * math.sqrt(2), 300) - 1
    assert diamond.line >= to_dots(2, 300)
    shown = texts("shipment_400x600", SAMPLE_LABELS["shipment_400x600"])
    assert "UN3373" in shown
    assert "Biological Substance, Category B" in shown


@pytest.mark.parametrize(
    ("kg", "line"),
    [
        (Decimal("5.5"), "UN1845 Dry ice, 5.5 kg"),
        (2.5, "UN1845 Dry ice, 2.5 kg"),
        (10, "UN1845 Dry ice, 10 kg"),
    ],
)
def test_the_dry_ice_line_shows_the_net_mass(kg, line):
    data = LabelData("SH-000123", ("A", "B", "C"), dry_ice_kg=kg)
    assert line in texts("shipment_400x600", data)


def test_there_is_no_dry_ice_line_without_a_dry_ice_mass():
    shown = texts("shipment_400x600", LabelData("SH-000123", ("A", "B", "C")))
    assert not any("UN1845" in text for text in shown)


@pytest.mark.parametrize("kg", [0, -1])
def test_a_dry_ice_mass_must_be_positive(kg):
    with pytest.raises(InvalidInput):
        LabelData("SH-000123", ("A", "B", "C"), dry_ice_kg=kg)


def test_a_long_line_is_shrunk_to_its_box_rather_than_spilling_off_the_label():
    long_origin = "Collection site with a very long name indeed, Somewhere County Hospital"
    data = LabelData("SH-000123", (long_origin, "B", "C"))
    placed = LAYOUTS["shipment_400x600"].place(data, 203)
    short = LAYOUTS["shipment_400x600"].place(LabelData("SH-000123", ("A", "B", "C")), 203)
    assert placed[0].height < short[0].height


def test_repeat_prints_each_label_the_given_number_of_times_in_a_row():
    first, second = LabelData("BX0000001G"), LabelData("BX0000123X")
    assert repeat([first, second], 2) == [first, first, second, second]


def test_repeat_refuses_fewer_than_one_copy():
    with pytest.raises(InvalidInput):
        repeat([LabelData("BX0000001G")], 0)


def test_an_unknown_layout_name_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInput, match="tube_128x050"):
        get_layout("tube_999")


def test_an_unsupported_resolution_is_refused():
    with pytest.raises(InvalidInput, match="203, 300"):
        LAYOUTS["tube_128x050"].size_dots(600)


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_every_sheet_grid_lies_on_its_page(name):
    sheet = SHEETS[name]
    last_x, last_y = sheet.position(sheet.per_page - 1)
    assert sheet.position(0) == (sheet.left, sheet.top)
    assert last_x + sheet.layout.width_mm <= sheet.page_width
    assert last_y + sheet.layout.height_mm <= sheet.page_height


def test_a_sheet_whose_grid_runs_off_the_page_is_refused():
    with pytest.raises(ValueError, match="off the page"):
        SheetStock("too_wide", LAYOUTS["box_200x100"], 215.9, 279.4, 5, 10, 10, 10, 5, 0)

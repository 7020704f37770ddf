"""Box maps (JSON and a PDF whose barcode decodes), occupancy per rack and box."""

import pypdfium2
import pytest

from tests.barcode_printing.decoding import CODE128, DATAMATRIX, decode, pdf_pages
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def place(client, tube, box, position):
    response = client.post(
        "/api/v1/storage/place", {"id": tube.barcode, "box": box.code, "position": position}
    )
    assert response.status_code == 201, response.content


@pytest.fixture
def filled(api, tech, box, aliquots):
    stored, out = aliquots(2)
    place(api(tech), stored, box, "A1")
    place(api(tech), out, box, "C5")
    api(tech).post("/api/v1/storage/retrieve", {"id": out.barcode, "reason": "assay"})
    return stored, out


def test_the_map_is_the_grid_with_each_tube(api, auditor, box, filled):
    stored, out = filled
    body = api(auditor).get(f"/api/v1/boxes/{box.code}/map/").json()
    assert (body["box"], body["type"], body["rows"], body["columns"]) == (box.code, "9x9", 9, 9)
    assert (body["capacity"], body["used"], body["free"]) == (81, 2, 79)
    assert body["path"] == f"BIOBANK/FRZ-80-A/R1/{box.code}"
    assert [cell["position"] for cell in body["grid"][0][:3]] == ["A1", "A2", "A3"]
    assert body["grid"][0][0] == {
        "position": "A1",
        "id": stored.barcode,
        "type": "WBLD",
        "status": "stored",
        "reserved": False,
        "freeze_thaw_count": 0,
    }
    assert body["grid"][2][4]["id"] == out.barcode and body["grid"][2][4]["reserved"] is True
    assert body["grid"][8][8] == {"position": "I9", "id": None}


def test_a_numbered_box_names_slots_in_fill_order(api, tech, ultra, make_box, aliquot):
    numbered = make_box(ultra, "10x10-num")
    place(api(tech), aliquot, numbered, "12")
    grid = api(tech).get(f"/api/v1/boxes/{numbered.code}/map/").json()["grid"]
    assert grid[1][1] == grid[1][1] | {"position": "12", "id": aliquot.barcode}
    assert grid[9][9]["position"] == "100"


def test_the_printable_map_carries_the_box_barcode(api, tech, box, filled):
    response = api(tech).get(f"/api/v1/boxes/{box.code}/map/?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert box.code in response["Content-Disposition"]
    pdf = response.content
    found = decode(pdf_pages(pdf, dpi=300)[0])
    assert (CODE128, box.code) in found and (DATAMATRIX, box.code) in found
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert filled[0].barcode in text and filled[1].barcode in text and "OUT" in text
    assert f"BIOBANK/FRZ-80-A/R1/{box.code}" in text


def test_an_unknown_box_map_is_404_even_as_pdf(api, tech, phleb_north, box):
    assert_problem(api(tech).get("/api/v1/boxes/BOX-7777777/map/?format=pdf"), 404, "not_found")
    assert_problem(api(phleb_north).get(f"/api/v1/boxes/{box.code}/map/"), 404, "not_found")


def test_occupancy_counts_per_freezer_rack_and_box(api, tech, ultra, make_box, box, filled):
    second = make_box(ultra, "8x12", rack="R2")
    body = api(tech).get(f"/api/v1/freezers/{ultra.code}/occupancy/").json()
    assert {k: body[k] for k in ("freezer", "capacity", "used", "reserved", "free")} == {
        "freezer": "FRZ-80-A",
        "capacity": 81 + 96,
        "used": 2,
        "reserved": 1,
        "free": 81 + 96 - 2,
    }
    first_rack, second_rack = body["racks"]
    assert (first_rack["name"], first_rack["used"], first_rack["free"]) == ("R1", 2, 79)
    assert first_rack["boxes"] == [
        {
            "box": box.code,
            "type": "9x9",
            "position": 1,
            "capacity": 81,
            "used": 2,
            "reserved": 1,
            "free": 79,
        }
    ]
    assert second_rack["boxes"][0]["box"] == second.code
    assert second_rack["boxes"][0]["free"] == 96

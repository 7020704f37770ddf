"""The manifest read back as a reader would: PDF text and barcode, CSV rows; the package label."""

import csv
import io
from decimal import Decimal

import pypdfium2
import pytest

from shipments import dispatch, packing
from tests.barcode_printing.decoding import CODE128, decode, pdf_pages
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf)]


def test_the_pdf_manifest_lists_every_tube_with_totals_and_pages(
    api, phleb_north, shipment, finalized
):
    tubes = [tube for _ in range(12) for tube in finalized("1SST8", "1ED10", "1UR10", "1SAL")]
    for number, tube in enumerate(tubes):
        packing.shipment_add_item(
            actor=phleb_north,
            shipment=shipment,
            barcode=tube.barcode,
            inner_box=number // 24 + 1,
            position=str(number % 24 + 1),
        )
    dispatch.shipment_dispatch(
        actor=phleb_north, shipment=shipment, courier="fedex", tracking_number="123456789012"
    )
    response = api(phleb_north).get(f"/api/v1/shipments/{shipment.code}/manifest.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = _text(response.content)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"{shipment.code} — page {number} of {len(pages)}" in page
    text = "\n".join(pages)
    assert "UN3373" in text and "Biological Substance, Category B" in text
    assert "FedEx" in text and "123456789012" in text and "Refrigerated" in text
    assert "SITE-NORTH" in text and "BIOBANK" in text
    assert "UN1845" not in text
    assert "Total: 48 tubes." in text
    for tube in tubes:
        assert tube.barcode in text and tube.participant.biobank_id in text
        assert tube.participant.participant_id not in text
    first_page = pdf_pages(response.content, dpi=300)[0]
    assert (CODE128, shipment.code) in decode(first_page)


def test_a_dry_ice_manifest_carries_un1845_with_the_mass(api, phleb_north, north, biobank):
    frozen = packing.shipment_create(
        actor=phleb_north, origin=north, destination=biobank, condition="dry_ice"
    )
    response = api(phleb_north).get(f"/api/v1/shipments/{frozen.code}/manifest.pdf")
    assert "Total: 0 tubes." in _text(response.content)[0]
    frozen.dry_ice_kg = Decimal("5.5")
    frozen.save()
    text = _text(api(phleb_north).get(f"/api/v1/shipments/{frozen.code}/manifest.pdf").content)[0]
    assert "UN1845 Dry ice, 5.50 kg" in text


def test_the_csv_manifest_has_one_line_per_tube(api, tech, in_transit, finalized):
    tubes = finalized("1SST8", "1ED10")
    shipment = in_transit(tubes)
    response = api(tech).get(f"/api/v1/shipments/{shipment.code}/manifest.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{shipment.code}-manifest.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["id"] for row in rows] == sorted(t.barcode for t in tubes)
    assert set(rows[0]) == {
        "id",
        "biobank_id",
        "type",
        "collected_at",
        "inner_box",
        "position",
        "receipt_status",
    }
    assert all(row["receipt_status"] == "pending" and row["collected_at"] for row in rows)


def test_a_manifest_outside_scope_is_404(api, phleb_south, shipment):
    response = api(phleb_south).get(f"/api/v1/shipments/{shipment.code}/manifest.pdf")
    assert_problem(response, 404, "not_found")


def test_the_package_label_prints_from_the_shipment(api, phleb_north, shipment):
    response = api(phleb_north).post(
        "/api/v1/labels/", {"shipment": shipment.code.lower(), "format": "pdf"}
    )
    assert response.status_code == 200, response.content
    page = pdf_pages(response.content, dpi=300)[0]
    assert page.size == (1200, 1800)
    assert (CODE128, shipment.code) in decode(page)
    assert "UN3373" in _text(response.content)[0]


def test_an_unknown_shipment_has_no_label(api, phleb_north, north):
    response = api(phleb_north).post("/api/v1/labels/", {"shipment": "SH-99999"})
    assert_problem(response, 404, "not_found")


def test_an_empty_shipments_csv_manifest_is_csv_with_its_header_row(api, phleb_north, shipment):
    response = api(phleb_north).get(f"/api/v1/shipments/{shipment.code}/manifest.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "id,biobank_id,type,collected_at,inner_box,position,receipt_status"
    ]

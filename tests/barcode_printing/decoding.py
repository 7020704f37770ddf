"""Independent checks: turn our output into pixels and read the barcodes back with zxing-cpp."""

import io
from decimal import Decimal

import pypdfium2
import resvg_py
import zplkit
import zxingcpp
from PIL import Image, ImageOps

from barcode_printing.ids import format_id
from barcode_printing.layouts import Code128Field, DataMatrixField, LabelData, LabelLayout

CODE128 = zxingcpp.BarcodeFormat.Code128
DATAMATRIX = zxingcpp.BarcodeFormat.DataMatrix

# A label of each layout, with the kind of payload it carries in the LIMS.
SAMPLE_LABELS = {
    "tube_128x050": LabelData(format_id("BX", 123), ("1SST8", "B123456789", "2026-11-23")),
    "tube_200x125": LabelData(format_id("BX", 124), ("1UR10", "B123456789", "2026-11-23")),
    "cap_050": LabelData(format_id("BX", 125), ("1SAL", "B123456789", "2026-11-23")),
    "box_200x100": LabelData("BOX-000042", ("FRZ-01 / R3 / S2",)),
    "shipment_400x600": LabelData(
        "SH-000123",
        (
            "SITE-NORTH, Boston MA",
            "BIOBANK, Rochester MN",
            "Dana Okafor, tel. +1 312 555 0142 (24 h)",
        ),
        dry_ice_kg=Decimal("5.5"),
    ),
}


def decode(image: Image.Image) -> list[tuple[zxingcpp.BarcodeFormat, str]]:
    """Every barcode zxing-cpp finds, as (format, text), in a stable order."""
    # A white frame, as on a real label's backing; our quiet zones stay ours.
    framed = ImageOps.expand(image.convert("L"), border=16, fill=255)
    found = zxingcpp.read_barcodes(framed, formats=(CODE128, DATAMATRIX))
    return sorted(((barcode.format, barcode.text) for barcode in found), key=str)


def expected_symbols(layout: LabelLayout, payload: str) -> list[tuple[zxingcpp.BarcodeFormat, str]]:
    formats = {Code128Field: CODE128, DataMatrixField: DATAMATRIX}
    found = [(formats[type(e)], payload) for e in layout.elements if type(e) in formats]
    return sorted(found, key=str)


def png_image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


def svg_image(svg: bytes) -> Image.Image:
    return png_image(resvg_py.svg_to_bytes(svg_string=svg.decode(), dpi=600, background="white"))


def pdf_pages(pdf: bytes, dpi: float = 600) -> list[Image.Image]:
    # pypdfium2 sizes the bitmap with ceil() of pdfium's float32 page size: 1.28 in at 300 dpi
    # comes out 384.00002 px, and the page would be stretched across 385 columns.
    scale = dpi / 72 * (1 - 1e-6)
    return [page.render(scale=scale).to_pil() for page in pypdfium2.PdfDocument(pdf)]


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [tuple(page.get_size()) for page in pypdfium2.PdfDocument(pdf)]


def zpl_labels(zpl: bytes, dpi: int, profile: str = "zd621") -> list[Image.Image]:
    """Each ^XA…^XZ format as a printer of that resolution would print it."""
    document = zplkit.render(zpl, zplkit.Options(profile=profile, dpi=dpi))
    rasters = [label.rasterize() for label in document.labels]
    return [Image.frombytes("L", (r.width, r.height), r.pixels) for r in rasters]

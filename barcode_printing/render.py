"""Label data to bytes in one of the four output formats, with the content type to send them as."""

from collections.abc import Sequence
from dataclasses import dataclass

from barcode_printing import symbols
from barcode_printing.choices import LabelFormat
from barcode_printing.layouts import (
    SHEETS,
    Code128Field,
    DataMatrixField,
    LabelData,
    LabelLayout,
    get_layout,
    get_sheet,
)
from barcode_printing.pdf import PDF_DPI, labels_pdf, sheet_pdf
from barcode_printing.zpl import labels_zpl
from lims.errors import InvalidInput

# ZPL has no registered media type; as application/* a browser saves it rather than shows it.
CONTENT_TYPES = {
    LabelFormat.PDF: "application/pdf",
    LabelFormat.ZPL: "application/zpl",
    LabelFormat.PNG: "image/png",
    LabelFormat.SVG: "image/svg+xml",
}


class ImageTakesOneId(InvalidInput):
    code = "image_takes_one_id"
    title = "An image format shows one barcode"


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    extension: str


def render_labels(
    labels: Sequence[LabelData], *, layout: str, fmt: str, dpi: int | None = None
) -> Rendered:
    """``labels`` in ``fmt``; ``dpi`` is the printer's (ZPL defaults to 203, PDF to 300).

    PDF puts one label per page the size of the label, or fills a sheet layout. PNG and SVG
    are the barcode symbol of one ID (the layout's first symbol, with the ID written under a
    Code 128), for pasting into other software; they refuse labels of several IDs.
    """
    if not labels:
        raise InvalidInput("No labels to print.")
    if layout in SHEETS:
        if fmt != LabelFormat.PDF:
            raise InvalidInput(f"Sheet {layout} is printed as PDF, not {fmt}.")
        return _rendered(sheet_pdf(get_sheet(layout), labels, dpi=dpi or PDF_DPI), fmt)
    label_layout = get_layout(layout)
    if fmt == LabelFormat.PDF:
        return _rendered(labels_pdf(label_layout, labels, dpi=dpi or PDF_DPI), fmt)
    if fmt == LabelFormat.ZPL:
        return _rendered(labels_zpl(label_layout, labels, dpi=dpi or 203), fmt)
    return _rendered(_symbol_image(label_layout, _single_payload(labels), fmt), fmt)


def _single_payload(labels: Sequence[LabelData]) -> str:
    payloads = sorted({data.payload for data in labels})
    if len(payloads) != 1:
        raise ImageTakesOneId(
            f"PNG and SVG show one barcode; got {len(payloads)} IDs. Use PDF or ZPL for several."
        )
    return payloads[0]


def _symbol_image(layout: LabelLayout, payload: str, fmt: str) -> bytes:
    symbol = next(e for e in layout.elements if isinstance(e, Code128Field | DataMatrixField))
    if isinstance(symbol, DataMatrixField):
        if fmt == LabelFormat.PNG:
            return symbols.datamatrix_png(payload)
        return symbols.datamatrix_svg(payload)
    if fmt == LabelFormat.PNG:
        return symbols.code128_png(payload, text=True)
    return symbols.code128_svg(payload, text=True)


def _rendered(content: bytes, fmt: str) -> Rendered:
    return Rendered(content=content, content_type=CONTENT_TYPES[fmt], extension=str(fmt))

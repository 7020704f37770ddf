"""The printable box map: the box's barcode and path above its grid of tube IDs (reportlab).

Barcodes come from ``barcode_printing`` (the Code 128 drawing, the DataMatrix modules) given only
the box code, so that app never learns what a box is.
"""

import io

from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfgen.canvas import Canvas

from barcode_printing.pdf import draw_code128
from barcode_printing.symbols import CODE128_QUIET_MODULES, dark_runs, datamatrix_matrix

MARGIN = 36
# 0.3 mm modules: above the 0.25 mm that common imagers read from office printers.
MODULE = 0.85
BAR_HEIGHT = 40
MATRIX_MODULE = 2.5
FONT, BOLD = "Helvetica", "Helvetica-Bold"


def box_map_pdf(layout: dict, *, printed_at: str) -> bytes:
    """One landscape letter page for the map ``layout`` (as ``selectors.box_map`` answers)."""
    buffer = io.BytesIO()
    width, height = landscape(letter)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    canvas.setTitle(f"Box map {layout['box']}")
    top = height - MARGIN
    draw_code128(canvas, layout["box"], MARGIN, top - BAR_HEIGHT, module=MODULE, height=BAR_HEIGHT)
    _datamatrix(canvas, layout["box"], width - MARGIN, top)
    text_x = MARGIN + CODE128_QUIET_MODULES * MODULE
    canvas.setFont(BOLD, 16)
    canvas.drawString(text_x, top - BAR_HEIGHT - 20, layout["box"])
    canvas.setFont(FONT, 10)
    canvas.drawString(
        text_x,
        top - BAR_HEIGHT - 34,
        f"{layout['path']}   ·   {layout['type']} ({layout['rows']}×{layout['columns']})   ·   "
        f"{layout['used']} of {layout['capacity']} slots used   ·   printed {printed_at}",
    )
    _grid(canvas, layout, MARGIN, top - BAR_HEIGHT - 50, width - 2 * MARGIN, MARGIN)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _datamatrix(canvas: Canvas, payload: str, right: float, top: float) -> None:
    matrix = datamatrix_matrix(payload)
    left = right - (len(matrix[0]) + 2) * MATRIX_MODULE
    for index, row in enumerate(matrix):
        y = top - (index + 2) * MATRIX_MODULE
        for start, length in dark_runs(row):
            canvas.rect(
                left + (start + 1) * MATRIX_MODULE,
                y,
                length * MATRIX_MODULE,
                MATRIX_MODULE,
                stroke=0,
                fill=1,
            )


def _grid(canvas: Canvas, layout: dict, x: float, top: float, width: float, bottom: float):
    """Rows of cells, each with its position, tube ID and type; checked-out tubes marked."""
    label = 16
    cell_w = (width - label) / layout["columns"]
    cell_h = min(44.0, (top - bottom - label) / layout["rows"])
    font = min(7.5, cell_w / 6.2)
    canvas.setLineWidth(0.5)
    for index, cells in enumerate(layout["grid"]):
        y = top - label - (index + 1) * cell_h
        for column, cell in enumerate(cells):
            left = x + label + column * cell_w
            canvas.rect(left, y, cell_w, cell_h, stroke=1, fill=0)
            canvas.setFont(FONT, 6)
            canvas.drawString(left + 2, y + cell_h - 7, cell["position"])
            if cell["id"] is None:
                continue
            canvas.setFont(BOLD, font)
            canvas.drawCentredString(left + cell_w / 2, y + cell_h / 2, cell["id"])
            canvas.setFont(FONT, font * 0.9)
            note = cell["type"] + (" · OUT" if cell["reserved"] else "")
            canvas.drawCentredString(left + cell_w / 2, y + cell_h / 2 - font - 1, note)
    _axis_labels(canvas, layout, x, top, label, cell_w, cell_h)


def _axis_labels(canvas, layout, x, top, label, cell_w, cell_h) -> None:
    if layout["naming"] != "letter_number":
        return
    canvas.setFont(BOLD, 8)
    first_row = layout["grid"][0]
    for column, cell in enumerate(first_row):
        number = cell["position"][1:]
        canvas.drawCentredString(x + label + (column + 0.5) * cell_w, top - label + 4, number)
    for index, cells in enumerate(layout["grid"]):
        letter_y = top - label - (index + 0.5) * cell_h - 3
        canvas.drawCentredString(x + label / 2, letter_y, cells[0]["position"][0])

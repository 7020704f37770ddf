"""PDF labels (reportlab): one label per page for label printers, or sheets for office printers."""

import io
from collections.abc import Callable, Iterable

from reportlab.pdfbase.pdfmetrics import getAscent
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from lims.errors import InvalidInput

from .layouts import (
    BOLD_FONT,
    DOTS_PER_INCH,
    FONT,
    MM_PER_INCH,
    POINTS_PER_INCH,
    LabelData,
    LabelLayout,
    PlacedBars,
    PlacedDiamond,
    PlacedMatrix,
    PlacedText,
    SheetStock,
)
from .symbols import CODE128_QUIET_MODULES, code128_modules, dark_runs

# Geometry snaps to a 300-dpi grid: the common label-printer resolution, which 600-dpi
# office printers divide evenly, so every bar keeps its width on paper.
PDF_DPI = 300
# PDF paints every device pixel a shape touches, so a bar edge lying on a pixel boundary
# (give or take rounding) can gain a whole pixel; a tenth of a dot less each side (the usual
# "bar width reduction") keeps bars and spaces true without visibly thinning them.
TRIM = 0.1


class _Pen:
    """Draws placed elements on a canvas; a label's corner and the elements are in dots."""

    def __init__(
        self, canvas: Canvas, page_height: float, corner: tuple[int, int], dpi: int
    ) -> None:
        self.canvas, self.page_height = canvas, page_height
        self.left, self.top = corner
        self.dpi, self.scale = dpi, POINTS_PER_INCH / DOTS_PER_INCH[dpi]

    def x(self, dots: float) -> float:
        return (self.left + dots) * self.scale

    def y(self, dots: float) -> float:
        """PDF y (up from the bottom) of a point `dots` down from the label's top."""
        return self.page_height - (self.top + dots) * self.scale

    def box(self, x: float, y: float, width: float, height: float) -> None:
        """A dark rectangle, trimmed so that an edge on a dot boundary paints no extra dot."""
        x, y, width, height = x + TRIM, y + TRIM, width - 2 * TRIM, height - 2 * TRIM
        s = self.scale
        self.canvas.rect(self.x(x), self.y(y + height), width * s, height * s, stroke=0, fill=1)

    def bars(self, bars: PlacedBars) -> None:
        for start, length in dark_runs([module == "1" for module in bars.modules]):
            self.box(bars.x + start * bars.module, bars.y, length * bars.module, bars.height)

    def matrix(self, matrix: PlacedMatrix) -> None:
        m = matrix.module
        for row_index, row in enumerate(matrix.matrix):
            for start, length in dark_runs(row):
                self.box(matrix.x + start * m, matrix.y + row_index * m, length * m, m)

    def text(self, text: PlacedText) -> None:
        font = BOLD_FONT if text.bold else FONT
        size = text.height * self.scale
        self.canvas.setFont(font, size)
        baseline = self.y(text.y) - getAscent(font, size)
        if text.centre:
            self.canvas.drawCentredString(self.x(text.x + text.width / 2), baseline, text.text)
        else:
            self.canvas.drawString(self.x(text.x), baseline, text.text)

    def diamond(self, mark: PlacedDiamond) -> None:
        s = self.scale
        # The stroke is centred on the path: inset by half a line to stay inside the box.
        half = mark.size / 2
        cx, cy = self.x(mark.x + half), self.y(mark.y + half)
        reach = (half - mark.line / 2) * s
        path = self.canvas.beginPath()
        path.moveTo(cx, cy + reach)
        for dx, dy in ((reach, 0), (0, -reach), (-reach, 0)):
            path.lineTo(cx + dx, cy + dy)
        path.close()
        self.canvas.setLineWidth(mark.line * s)
        self.canvas.setLineJoin(0)
        self.canvas.drawPath(path, stroke=1, fill=0)


_DRAW: dict[type, Callable[..., None]] = {
    PlacedBars: _Pen.bars,
    PlacedMatrix: _Pen.matrix,
    PlacedText: _Pen.text,
    PlacedDiamond: _Pen.diamond,
}


def labels_pdf(layout: LabelLayout, labels: Iterable[LabelData], *, dpi: int = PDF_DPI) -> bytes:
    """One label per page, the page the size of the label, for label printers."""
    size = (layout.width_in * POINTS_PER_INCH, layout.height_in * POINTS_PER_INCH)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, invariant=True)
    pages = 0
    for data in labels:
        _draw_label(_Pen(canvas, size[1], (0, 0), dpi), layout, data)
        canvas.showPage()
        pages += 1
    return _finish(canvas, buffer, pages)


def sheet_pdf(
    sheet: SheetStock, labels: Iterable[LabelData], *, skip: int = 0, dpi: int = PDF_DPI
) -> bytes:
    """Labels on sheets; `skip` leaves the first positions of a partly used sheet empty."""
    if not 0 <= skip < sheet.per_page:
        raise InvalidInput(f"Skip 0 to {sheet.per_page - 1} positions on sheet {sheet.name}")
    points = POINTS_PER_INCH / MM_PER_INCH
    page_height = sheet.page_height * points
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(sheet.page_width * points, page_height), invariant=True)
    count = 0
    for position, data in enumerate(labels, start=skip):
        if position % sheet.per_page == 0 and count:
            canvas.showPage()
        # Labels start on a whole dot too, or a printer would round bar edges unevenly.
        corner = tuple(
            round(mm * DOTS_PER_INCH[dpi] / MM_PER_INCH) for mm in sheet.position(position)
        )
        _draw_label(_Pen(canvas, page_height, corner, dpi), sheet.layout, data)
        count += 1
    if count:
        canvas.showPage()
    return _finish(canvas, buffer, count)


def _draw_label(pen: _Pen, layout: LabelLayout, data: LabelData) -> None:
    for element in layout.place(data, pen.dpi):
        _DRAW[type(element)](pen, element)


def _finish(canvas: Canvas, buffer: io.BytesIO, count: int) -> bytes:
    # reportlab would still write one blank page, which a label printer would feed out.
    if not count:
        raise InvalidInput("No labels to print")
    canvas.save()
    return buffer.getvalue()


def draw_code128(
    canvas: Canvas, payload: str, x: float, y: float, *, module: float, height: float
) -> float:
    """Draw a Code 128 symbol with its left quiet zone from (x, y), in points, as vector bars;
    answer its width with both quiet zones."""
    modules = code128_modules(payload)
    left = x + CODE128_QUIET_MODULES * module
    for start, length in dark_runs([bar == "1" for bar in modules]):
        canvas.rect(left + start * module, y, length * module, height, stroke=0, fill=1)
    return (len(modules) + 2 * CODE128_QUIET_MODULES) * module


class Code128Flowable(Flowable):
    """A Code 128 symbol with its quiet zones and caption, for documents built with platypus
    (manifests); bars are vector rectangles, so any printer renders them true."""

    def __init__(self, payload: str, *, module_pt: float = 1.0, height_pt: float = 40.0):
        super().__init__()
        self.payload, self.module, self.bar_height = payload, module_pt, height_pt
        self.width = (len(code128_modules(payload)) + 2 * CODE128_QUIET_MODULES) * module_pt
        self.height = height_pt + 12

    def draw(self) -> None:
        draw_code128(self.canv, self.payload, 0, 12, module=self.module, height=self.bar_height)
        self.canv.setFont(FONT, 9)
        self.canv.drawCentredString(self.width / 2, 2, self.payload)

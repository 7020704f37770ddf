"""Barcode symbols: Code 128 (python-barcode) and DataMatrix ECC 200 (ppf-datamatrix)."""

import io
from collections.abc import Iterator, Sequence
from xml.sax.saxutils import escape

from barcode import Code128
from barcode.writer import SVGWriter
from PIL import Image, ImageDraw, ImageFont
from ppf.datamatrix import DataMatrix

from lims.errors import DomainError

# Minimum quiet zones in modules: ISO/IEC 15417 for Code 128, ISO/IEC 16022 for DataMatrix.
CODE128_QUIET_MODULES = 10
DATAMATRIX_QUIET_MODULES = 1
# Longer than any ID we print; beyond it a label barcode is a mistake, not a payload.
MAX_PAYLOAD_LENGTH = 64

Matrix = list[list[bool]]


class InvalidPayload(DomainError):
    code = "invalid_barcode_payload"
    status = 400
    title = "Cannot be printed as a barcode"


def check_payload(payload: str) -> None:
    """Refuse what a label barcode should never carry: nothing, control or non-ASCII text."""
    if not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        raise InvalidPayload(
            f"A barcode carries 1 to {MAX_PAYLOAD_LENGTH} characters; got {len(payload)}"
        )
    if not all(" " <= char <= "~" for char in payload):
        raise InvalidPayload(f"{payload!r} has characters outside printable ASCII")


def code128_modules(payload: str) -> str:
    """The Code 128 symbol as '1' (bar) and '0' (space) modules, without quiet zones."""
    check_payload(payload)
    # A fresh encoder each time: python-barcode's Code128 keeps its code set between builds.
    return Code128(payload).build()[0]


def datamatrix_matrix(payload: str) -> Matrix:
    """The square ECC 200 symbol as rows of dark (True) and light modules, without quiet zone."""
    check_payload(payload)
    # ASCII encodation only: digit pairs still share a codeword, the size then matches what
    # printer firmware picks for our IDs, and ppf's C40/EDIFACT encoders had the decoding bugs.
    symbol = DataMatrix(payload, codecs=["ascii"])
    return [[bool(module) for module in row] for row in symbol.matrix]


def dark_runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules, so renderers draw one rectangle per run."""
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


def code128_svg(
    payload: str, *, module_mm: float = 0.25, height_mm: float = 10.0, text: bool = False
) -> bytes:
    """Code 128 as an SVG document in millimetres, quiet zones included."""
    check_payload(payload)
    options = {
        "module_width": module_mm,
        "module_height": height_mm,
        "quiet_zone": CODE128_QUIET_MODULES * module_mm,
        "write_text": text,
    }
    return Code128(payload, writer=SVGWriter()).render(options)


def code128_png(
    payload: str, *, module_px: int = 2, height_px: int = 60, text: bool = False
) -> bytes:
    """Code 128 as a bilevel PNG with whole-pixel modules, quiet zones included."""
    # Drawn here rather than by python-barcode's ImageWriter, which places bar edges from
    # rounded millimetres and so makes some bars a pixel too wide or narrow.
    bars = [[module == "1" for module in code128_modules(payload)]]
    image = _bitmap(bars, module_px, height_px, quiet_x=CODE128_QUIET_MODULES, quiet_y=0)
    if text:
        image = _caption(image, payload, module_px)
    return _png(image)


def datamatrix_png(payload: str, *, module_px: int = 6) -> bytes:
    """DataMatrix as a bilevel PNG with whole-pixel modules, quiet zone included."""
    quiet = DATAMATRIX_QUIET_MODULES
    return _png(_bitmap(datamatrix_matrix(payload), module_px, module_px, quiet, quiet))


def datamatrix_svg(payload: str, *, module_mm: float = 0.5) -> bytes:
    """DataMatrix as an SVG document in millimetres, one rectangle per run of dark modules."""
    matrix = datamatrix_matrix(payload)
    side = len(matrix) + 2 * DATAMATRIX_QUIET_MODULES
    rects = "".join(
        f'<rect x="{start + DATAMATRIX_QUIET_MODULES}" y="{y + DATAMATRIX_QUIET_MODULES}" '
        f'width="{length}" height="1"/>'
        for y, row in enumerate(matrix)
        for start, length in dark_runs(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * module_mm:g}mm" '
        f'height="{side * module_mm:g}mm" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f"<title>{escape(payload)}</title>"
        f'<rect width="{side}" height="{side}" fill="white"/><g fill="black">{rects}</g></svg>'
    ).encode()


def _bitmap(rows: Matrix, module_px: int, row_px: int, quiet_x: int, quiet_y: int) -> Image.Image:
    """One pixel per module, then scaled by whole pixels so every module keeps its width."""
    width = len(rows[0]) + 2 * quiet_x
    blank = b"\xff" * width
    pad = b"\xff" * quiet_x
    body = [pad + bytes(0 if dark else 255 for dark in row) + pad for row in rows]
    pixels = b"".join([blank] * quiet_y + body + [blank] * quiet_y)
    height = len(rows) + 2 * quiet_y
    small = Image.frombytes("L", (width, height), pixels)
    return small.resize((width * module_px, height * row_px), Image.Resampling.NEAREST).convert("1")


def _caption(symbol: Image.Image, text: str, module_px: int) -> Image.Image:
    font = ImageFont.load_default(size=max(10, 6 * module_px))
    ascent, descent = font.getmetrics()
    labelled = Image.new("1", (symbol.width, symbol.height + ascent + descent + module_px), 1)
    labelled.paste(symbol, (0, 0))
    ImageDraw.Draw(labelled).text(
        (symbol.width // 2, symbol.height + module_px), text, fill=0, font=font, anchor="ma"
    )
    return labelled


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()

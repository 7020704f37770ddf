"""ZPL II for Zebra thermal printers: one ^XA…^XZ format per label, at 203 or 300 dpi."""

from collections.abc import Callable, Iterable

from .layouts import (
    LabelData,
    LabelLayout,
    PlacedBars,
    PlacedDiamond,
    PlacedMatrix,
    PlacedText,
)

# Characters that ^FH writes as _XX: the two command prefixes and the escape itself.
_HEX_ESCAPED = str.maketrans({char: f"_{ord(char):02X}" for char in "^~_"})


def labels_zpl(layout: LabelLayout, labels: Iterable[LabelData], *, dpi: int = 203) -> bytes:
    """All labels as one ZPL stream (UTF-8), ready for a printer."""
    return b"".join(label_zpl(layout, data, dpi=dpi) for data in labels)


def label_zpl(layout: LabelLayout, data: LabelData, *, dpi: int = 203) -> bytes:
    """One label as one format; ^CI, ^PW, ^LL and ^LH are restated as printers keep them."""
    width, height = layout.size_dots(dpi)
    fields = "".join(_FIELDS[type(element)](element) for element in layout.place(data, dpi))
    return f"^XA^CI28^PW{width}^LL{height}^LH0,0{fields}^XZ\n".encode()


def field_data(text: str) -> str:
    """`^FH^FD…^FS` for `text`: ^, ~ and _ as hex escapes, everything else as UTF-8."""
    return f"^FH^FD{text.translate(_HEX_ESCAPED)}^FS"


def _code128(bars: PlacedBars) -> str:
    # Mode A lets the printer choose code sets as python-barcode does, so the width checked
    # in layouts is the width printed; ">" still starts an invocation code there, ">0" is ">".
    data = bars.payload.replace(">", ">0")
    return f"^FO{bars.x},{bars.y}^BY{bars.module}^BCN,{bars.height},N,N,N,A{field_data(data)}"


def _datamatrix(matrix: PlacedMatrix) -> str:
    # Quality 200 is ECC 200. The escape character is named, not left to the firmware's
    # default (~ on some, _ on others); then a literal "_" is written "__".
    data = matrix.payload.replace("_", "__")
    return f"^FO{matrix.x},{matrix.y}^BXN,{matrix.module},200,0,0,6,_{field_data(data)}"


def _text(text: PlacedText) -> str:
    justify = "C" if text.centre else "L"
    return (
        f"^FO{text.x},{text.y}^A0N,{text.height},{text.height}"
        f"^FB{text.width},1,0,{justify}{field_data(text.text)}"
    )


def _diamond(mark: PlacedDiamond) -> str:
    half = mark.size // 2
    left, top, middle, centre = mark.x, mark.y, mark.y + half, mark.x + half
    # Four diagonals: ^GD draws "/" with R and "\" with L inside the box it is given.
    edges = ((left, top, "R"), (centre, top, "L"), (left, middle, "L"), (centre, middle, "R"))
    return "".join(f"^FO{x},{y}^GD{half},{half},{mark.line},B,{lean}^FS" for x, y, lean in edges)


_FIELDS: dict[type, Callable[..., str]] = {
    PlacedBars: _code128,
    PlacedMatrix: _datamatrix,
    PlacedText: _text,
    PlacedDiamond: _diamond,
}

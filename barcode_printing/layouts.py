"""Label stocks and layouts as data, the values a label carries, and their placement in dots."""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reportlab.pdfbase.pdfmetrics import stringWidth

from lims.errors import DomainError, InvalidInput

from .symbols import (
    CODE128_QUIET_MODULES,
    DATAMATRIX_QUIET_MODULES,
    Matrix,
    code128_modules,
    datamatrix_matrix,
)

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72
# A "203 dpi" Zebra head is 8 dots/mm; a "300 dpi" one is 300 dots per inch.
DOTS_PER_INCH = {203: 203.2, 300: 300.0}
# Narrowest modules that common imagers read reliably: one dot at 203 dpi, two at 300.
CODE128_MIN_MODULE_MM = 0.12
DATAMATRIX_MIN_MODULE_MM = 0.2
# Wider modules add nothing but size; a shipping label would otherwise get 1 mm bars.
MAX_MODULE_MM = 0.5
FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"

_PARTICIPANT_ID = re.compile(r"P\d{9}", re.IGNORECASE)


class PayloadTooLong(DomainError):
    code = "payload_too_long"
    status = 400
    title = "Barcode does not fit the label"


class ParticipantIdOnLabel(DomainError):
    code = "participant_id_on_label"
    status = 400
    title = "Labels never carry the participant ID"


@dataclass(frozen=True)
class LabelData:
    """What one label shows: plain values, never a participant ID, name or birth date."""

    payload: str
    lines: tuple[str, ...] = ()
    dry_ice_kg: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.dry_ice_kg is not None:
            # Via str, so 2.5 stays 2.5 rather than a binary fraction's 50 digits.
            object.__setattr__(self, "dry_ice_kg", Decimal(str(self.dry_ice_kg)))
        for value in (self.payload, *self.lines):
            if _PARTICIPANT_ID.search(value):
                raise ParticipantIdOnLabel(
                    "A label value looks like a participant ID (P + 9 digits): "
                    "print the biobank ID (B + 9 digits) instead"
                )
        if self.dry_ice_kg is not None and self.dry_ice_kg <= 0:
            raise InvalidInput(f"Dry ice mass must be positive, got {self.dry_ice_kg} kg")


# Layout elements, in millimetres from the label's top-left corner.
@dataclass(frozen=True)
class Code128Field:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DataMatrixField:
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class TextField:
    """`template` is formatted with the label's `payload`, `lines` and `dry_ice_kg`."""

    template: str
    x: float
    y: float
    width: float
    size_pt: float
    bold: bool = False
    centre: bool = False
    # A field that names an optional value is left off when the value is absent.
    needs: str | None = None


@dataclass(frozen=True)
class DiamondMark:
    """A square set at 45 degrees (the UN3373 mark); `side` and `line` in millimetres."""

    x: float
    y: float
    side: float
    line: float


Element = Code128Field | DataMatrixField | TextField | DiamondMark


# Elements placed for one label at one resolution, in dots from the top-left corner.
@dataclass(frozen=True)
class PlacedBars:
    x: int
    y: int
    module: int
    height: int
    payload: str
    modules: str


@dataclass(frozen=True)
class PlacedMatrix:
    x: int
    y: int
    module: int
    payload: str
    matrix: Matrix


@dataclass(frozen=True)
class PlacedText:
    x: int
    y: int
    width: int
    height: int
    text: str
    bold: bool
    centre: bool


@dataclass(frozen=True)
class PlacedDiamond:
    x: int
    y: int
    size: int
    line: int


Placed = PlacedBars | PlacedMatrix | PlacedText | PlacedDiamond


@dataclass(frozen=True)
class LabelLayout:
    """One label stock and what goes where on it; `lines` names each of `LabelData.lines`."""

    name: str
    width_in: float
    height_in: float
    lines: tuple[str, ...]
    elements: tuple[Element, ...]

    @property
    def width_mm(self) -> float:
        return self.width_in * MM_PER_INCH

    @property
    def height_mm(self) -> float:
        return self.height_in * MM_PER_INCH

    def size_dots(self, dpi: int) -> tuple[int, int]:
        return to_dots(self.width_mm, dpi), to_dots(self.height_mm, dpi)

    def fits(self, payload: str, dpi: int) -> bool:
        try:
            self.check_fits(payload, dpi)
        except PayloadTooLong:
            return False
        return True

    def check_fits(self, payload: str, dpi: int) -> None:
        """Raise `PayloadTooLong` unless every barcode of this layout fits at `dpi`."""
        for element in self.elements:
            if isinstance(element, Code128Field):
                _place_code128(self, element, payload, dpi)
            elif isinstance(element, DataMatrixField):
                _place_datamatrix(self, element, payload, dpi)

    def place(self, data: LabelData, dpi: int) -> list[Placed]:
        """Every element of this layout for `data`, in dots at `dpi`."""
        if len(data.lines) != len(self.lines):
            raise InvalidInput(
                f"Layout {self.name} prints {len(self.lines)} lines "
                f"({', '.join(self.lines) or 'none'}); got {len(data.lines)}"
            )
        placed = (_place(self, element, data, dpi) for element in self.elements)
        return [element for element in placed if element is not None]


@dataclass(frozen=True)
class SheetStock:
    """A page of labels of one layout for office printers, in millimetres."""

    name: str
    layout: LabelLayout
    page_width: float
    page_height: float
    columns: int
    rows: int
    left: float
    top: float
    column_gap: float
    row_gap: float

    def __post_init__(self) -> None:
        right = self.left + self.columns * (self.layout.width_mm + self.column_gap)
        bottom = self.top + self.rows * (self.layout.height_mm + self.row_gap)
        if right - self.column_gap > self.page_width or bottom - self.row_gap > self.page_height:
            raise ValueError(f"Sheet {self.name}: the label grid runs off the page")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of label `index` on its page, filled row by row."""
        row, column = divmod(index % self.per_page, self.columns)
        return (
            self.left + column * (self.layout.width_mm + self.column_gap),
            self.top + row * (self.layout.height_mm + self.row_gap),
        )


def repeat(labels: Iterable[LabelData], copies: int) -> list[LabelData]:
    """Each label `copies` times in a row, e.g. the two labels of a urine tube."""
    if copies < 1:
        raise InvalidInput(f"Copies must be at least 1, got {copies}")
    return [label for label in labels for _ in range(copies)]


def dots_per_mm(dpi: int) -> float:
    if dpi not in DOTS_PER_INCH:
        raise InvalidInput(f"{dpi} dpi is not supported: use one of {sorted(DOTS_PER_INCH)}")
    return DOTS_PER_INCH[dpi] / MM_PER_INCH


def to_dots(mm: float, dpi: int) -> int:
    # A label holds whole dots: round down, with slack for 1.28 * 300 = 384.00000000000006.
    return math.floor(mm * dots_per_mm(dpi) + 1e-6)


def _module_range(min_mm: float, dpi: int) -> tuple[int, int]:
    smallest = math.ceil(min_mm * dots_per_mm(dpi) - 1e-6)
    return smallest, max(smallest, math.floor(MAX_MODULE_MM * dots_per_mm(dpi)))


def _module_dots(
    layout: LabelLayout, payload: str, span_modules: int, space_dots: int, min_mm: float, dpi: int
) -> int:
    smallest, largest = _module_range(min_mm, dpi)
    module = min(space_dots // span_modules, largest)
    if module < smallest:
        needed_mm = span_modules * smallest / dots_per_mm(dpi)
        available_mm = space_dots / dots_per_mm(dpi)
        raise PayloadTooLong(
            f"{payload} needs {needed_mm:.1f} mm for its barcode at {dpi} dpi but label "
            f"{layout.name} has {available_mm:.1f} mm: use a shorter code or a larger label"
        )
    return module


def _place_code128(layout: LabelLayout, field: Code128Field, payload: str, dpi: int) -> PlacedBars:
    modules = code128_modules(payload)
    width = to_dots(field.width, dpi)
    span = len(modules) + 2 * CODE128_QUIET_MODULES
    module = _module_dots(layout, payload, span, width, CODE128_MIN_MODULE_MM, dpi)
    return PlacedBars(
        x=to_dots(field.x, dpi) + (width - len(modules) * module) // 2,
        y=to_dots(field.y, dpi),
        module=module,
        height=to_dots(field.height, dpi),
        payload=payload,
        modules=modules,
    )


def _place_datamatrix(
    layout: LabelLayout, field: DataMatrixField, payload: str, dpi: int
) -> PlacedMatrix:
    matrix = datamatrix_matrix(payload)
    size = to_dots(field.size, dpi)
    span = len(matrix) + 2 * DATAMATRIX_QUIET_MODULES
    module = _module_dots(layout, payload, span, size, DATAMATRIX_MIN_MODULE_MM, dpi)
    offset = (size - len(matrix) * module) // 2
    return PlacedMatrix(
        x=to_dots(field.x, dpi) + offset,
        y=to_dots(field.y, dpi) + offset,
        module=module,
        payload=payload,
        matrix=matrix,
    )


def _placeTextField(field: TextField, data: LabelData, dpi: int) -> PlacedText | None:
    if field.needs is not None and getattr(data, field.needs) is None:
        return None
    kg = None if data.dry_ice_kg is None else f"{data.dry_ice_kg.normalize():f}"
    text = field.template.format(payload=data.payload, lines=data.lines, dry_ice_kg=kg)
    size_pt = _fitted_size(text, field)
    return PlacedText(
        x=to_dots(field.x, dpi),
        y=to_dots(field.y, dpi),
        width=to_dots(field.width, dpi),
        height=max(1, round(size_pt * DOTS_PER_INCH[dpi] / POINTS_PER_INCH)),
        text=text,
        bold=field.bold,
        centre=field.centre,
    )


def _fitted_size(text: str, field: TextField) -> float:
    """The font size that keeps `text` inside its box, never above the layout's size.

    Helvetica is wider than the printers' font 0, so a size that fits the PDF fits the ZPL.
    """
    natural = stringWidth(text, BOLD_FONT if field.bold else FONT, field.size_pt)
    available = field.width * POINTS_PER_INCH / MM_PER_INCH
    return field.size_pt if natural <= available else field.size_pt * available / natural


def _place(layout: LabelLayout, element: Element, data: LabelData, dpi: int) -> Placed | None:
    if isinstance(element, Code128Field):
        return _place_code128(layout, element, data.payload, dpi)
    if isinstance(element, DataMatrixField):
        return _place_datamatrix(layout, element, data.payload, dpi)
    if isinstance(element, TextField):
        return _placeTextField(element, data, dpi)
    return PlacedDiamond(
        x=to_dots(element.x, dpi),
        y=to_dots(element.y, dpi),
        size=to_dots(element.side * math.sqrt(2), dpi),
        line=max(1, to_dots(element.line, dpi)),
    )


TUBE_LINES = ("tube code", "biobank ID", "collection date")

TUBE_128X050 = LabelLayout(
    name="tube_128x050",
    width_in=1.28,
    height_in=0.5,
    lines=TUBE_LINES,
    elements=(
        Code128Field(x=0, y=0.5, width=32.5, height=5.2),
        TextField("{payload}", 1.2, 6.1, 19, 6.5, bold=True),
        TextField("{lines[0]}", 21, 6.1, 10.5, 6.5, bold=True),
        TextField("{lines[1]}", 1.2, 9.2, 15, 5.5),
        TextField("{lines[2]}", 17.5, 9.2, 14, 5.5),
    ),
)

TUBE_200X125 = LabelLayout(
    name="tube_200x125",
    width_in=2,
    height_in=1.25,
    lines=TUBE_LINES,
    elements=(
        Code128Field(x=0, y=1.5, width=50.8, height=12),
        TextField("{payload}", 2.5, 15, 30, 10, bold=True),
        TextField("{lines[0]}", 34, 15, 15, 10, bold=True),
        TextField("{lines[1]}", 2.5, 21, 26, 8),
        TextField("{lines[2]}", 30, 21, 19, 8),
    ),
)

# A tube's cap: the same data as its side label, of which only the ID fits.
CAP_050 = LabelLayout(
    name="cap_050",
    width_in=0.5,
    height_in=0.5,
    lines=TUBE_LINES,
    elements=(
        DataMatrixField(x=2.1, y=0.4, size=8.5),
        TextField("{payload}", 0.3, 9.3, 12.1, 5, centre=True),
    ),
)

BOX_200X100 = LabelLayout(
    name="box_200x100",
    width_in=2,
    height_in=1,
    lines=("freezer path",),
    elements=(
        DataMatrixField(x=1, y=1, size=13),
        TextField("{payload}", 15, 1.8, 34.5, 10, bold=True),
        TextField("{lines[0]}", 15, 6.5, 34.5, 7),
        Code128Field(x=0, y=14.5, width=50.8, height=9.5),
    ),
)

# IATA PI 650: the UN3373 diamond has sides of at least 50 mm, lines at least 2 mm and
# letters at least 6 mm high, with the proper shipping name beside it. PI 954: dry ice
# is marked "UN1845 Dry ice" with its net mass in kg.
_DIAMOND_SIDE = 50.0
_DIAMOND_SPAN = _DIAMOND_SIDE * math.sqrt(2)
_DIAMOND_LEFT = (101.6 - _DIAMOND_SPAN) / 2

SHIPMENT_400X600 = LabelLayout(
    name="shipment_400x600",
    width_in=4,
    height_in=6,
    lines=("origin", "destination", "responsible person and phone"),
    elements=(
        TextField("From: {lines[0]}", 5, 5, 91.6, 11),
        TextField("To: {lines[1]}", 5, 12, 91.6, 14, bold=True),
        Code128Field(x=3, y=20, width=95.6, height=20),
        TextField("{payload}", 5, 41.5, 91.6, 14, bold=True, centre=True),
        DiamondMark(x=_DIAMOND_LEFT, y=50, side=_DIAMOND_SIDE, line=2),
        # 24 pt Helvetica-Bold capitals stand 6.1 mm high.
        TextField(
            "UN3373",
            x=_DIAMOND_LEFT,
            y=50 + _DIAMOND_SPAN / 2 - 4.2,
            width=_DIAMOND_SPAN,
            size_pt=24,
            bold=True,
            centre=True,
        ),
        TextField("Biological Substance, Category B", 5, 124, 91.6, 13, bold=True, centre=True),
        TextField(
            "UN1845 Dry ice, {dry_ice_kg} kg",
            x=5,
            y=132,
            width=91.6,
            size_pt=13,
            bold=True,
            centre=True,
            needs="dry_ice_kg",
        ),
        TextField("Responsible: {lines[2]}", 5, 142, 91.6, 9),
    ),
)

LAYOUTS = {
    layout.name: layout
    for layout in (TUBE_128X050, TUBE_200X125, CAP_050, BOX_200X100, SHIPMENT_400X600)
}

# Sheets for office printers; match the margins and gaps to the vendor's template.
LETTER = (215.9, 279.4)
A4 = (210.0, 297.0)

SHEETS = {
    sheet.name: sheet
    for sheet in (
        SheetStock("letter_tube_128x050", TUBE_128X050, *LETTER, 5, 17, 13.97, 6.35, 6.35, 3.175),
        SheetStock("a4_tube_128x050", TUBE_128X050, *A4, 5, 19, 11.72, 5.35, 6.0, 2.5),
        SheetStock("letter_box_200x100", BOX_200X100, *LETTER, 3, 10, 19.05, 12.7, 12.7, 0.0),
    )
}


def get_layout(name: str) -> LabelLayout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise InvalidInput(f"Unknown label layout {name!r}: use one of {sorted(LAYOUTS)}") from None


def get_sheet(name: str) -> SheetStock:
    try:
        return SHEETS[name]
    except KeyError:
        raise InvalidInput(f"Unknown label sheet {name!r}: use one of {sorted(SHEETS)}") from None

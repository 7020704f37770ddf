"""Shipment manifests: one row per tube, as CSV and as a paginated PDF with the shipment barcode.

The manifest names tubes by specimen and biobank ID only (never a participant ID), and carries
what REFERENCE §7 asks of one: sender and recipient, date, courier and tracking, condition,
refrigerant and mass, inner boxes and positions, each tube's type and collection date.
"""

import csv
import io
import zoneinfo

from django.utils import timezone
from reportlab.graphics.shapes import Drawing, Polygon, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from barcode_printing.pdf import Code128Flowable
from shipments.choices import Condition, Courier
from shipments.models import Shipment, ShipmentItem

COLUMNS = [
    "id",
    "biobank_id",
    "type",
    "collected_at",
    "inner_box",
    "position",
    "receipt_status",
]
_HEADINGS = ["#", "Tube ID", "Biobank ID", "Type", "Collected", "Box", "Pos.", "Receipt"]


def manifest_rows(items: list[ShipmentItem]) -> list[dict]:
    """The manifest's tube rows as plain values, shared by the CSV and the PDF."""
    return [
        {
            "id": item.specimen.barcode,
            "biobank_id": item.specimen.participant.biobank_id,
            "type": item.specimen.type.code,
            "collected_at": _local(item.specimen),
            "inner_box": item.inner_box,
            "position": item.position,
            "receipt_status": item.receipt_status,
        }
        for item in items
    ]


def manifest_csv(rows: list[dict]) -> str:
    """The manifest as CSV: a header row always, so an empty shipment's manifest says so."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _local(specimen) -> str:
    if specimen.collected_at is None:
        return ""
    zone = zoneinfo.ZoneInfo(specimen.collection_site.time_zone)
    return timezone.localtime(specimen.collected_at, zone).isoformat(timespec="minutes")


def _facts(shipment: Shipment, rows: list[dict]) -> list[tuple[str, str]]:
    boxes = {row["inner_box"] for row in rows if row["inner_box"] is not None}
    facts = [
        ("From", f"{shipment.origin.name} ({shipment.origin.code})"),
        ("To", f"{shipment.destination.name} ({shipment.destination.code})"),
        ("Created", f"{shipment.created_at:%Y-%m-%d %H:%M} UTC"),
        ("Condition", Condition(shipment.condition).label),
        ("Courier", Courier(shipment.courier).label if shipment.courier else "not dispatched"),
        ("Tracking", shipment.tracking_number or "—"),
        (
            "Dispatched",
            f"{shipment.dispatched_at:%Y-%m-%d %H:%M} UTC" if shipment.dispatched_at else "—",
        ),
        ("Logger", shipment.logger_id or "—"),
        ("Tubes", str(len(rows))),
        ("Inner boxes", str(len(boxes)) if boxes else "—"),
        ("Packaging", 'UN3373 "Biological Substance, Category B", triple packaging (IATA PI 650)'),
    ]
    if shipment.dry_ice_kg is not None:
        facts.append(("Refrigerant", f"UN1845 Dry ice, {shipment.dry_ice_kg} kg (PI 954)"))
    return facts


def manifest_pdf(shipment: Shipment, rows: list[dict]) -> bytes:
    """Letter pages: header facts and barcode, the tube table (its header repeated on every
    page), totals at the end, and "page n of m" on each page."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"Manifest {shipment.code}",
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
        invariant=True,
    )
    facts = Table(
        [
            [Paragraph(f"<b>{name}</b>", styles["Normal"]), Paragraph(value, styles["Normal"])]
            for name, value in _facts(shipment, rows)
        ],
        colWidths=[1.2 * inch, 5.8 * inch],
    )
    facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    table = Table(
        [_HEADINGS]
        + [
            [
                str(number),
                row["id"],
                row["biobank_id"],
                row["type"],
                row["collected_at"].replace("T", " "),
                "" if row["inner_box"] is None else str(row["inner_box"]),
                row["position"],
                row["receipt_status"],
            ]
            for number, row in enumerate(rows, start=1)
        ],
        repeatRows=1,
        colWidths=[w * inch for w in (0.4, 1.0, 1.0, 0.7, 1.6, 0.45, 0.5, 0.85)],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
            ]
        )
    )
    story = [
        Paragraph(f"Shipment manifest {shipment.code}", styles["Title"]),
        Table(
            [[Code128Flowable(shipment.code, module_pt=1.2, height_pt=42), _un3373_mark()]],
            colWidths=[5.3 * inch, 1.7 * inch],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        ),
        Spacer(1, 8),
        facts,
        Spacer(1, 12),
        table,
        Spacer(1, 10),
        Paragraph(f"<b>Total: {len(rows)} tubes.</b>", styles["Normal"]),
    ]
    document.build(story, canvasmaker=_numbered_canvas(shipment.code))
    return buffer.getvalue()


def _un3373_mark() -> Drawing:
    """The UN3373 diamond (a square on its point with the number inside), as on the package."""
    side = 60
    half = side / 2
    mark = Drawing(side, side)
    mark.add(
        Polygon(
            [half, 0, side, half, half, side, 0, half],
            strokeWidth=2,
            strokeColor=colors.black,
            fillColor=None,
        )
    )
    mark.add(
        String(
            half, half - 4, "UN3373", fontName="Helvetica-Bold", fontSize=11, textAnchor="middle"
        )
    )
    return mark


def _numbered_canvas(code: str):
    """A canvas class that writes "code — page n of m" once the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.drawRightString(
                    LETTER[0] - 0.6 * inch, 0.4 * inch, f"{code} — page {number} of {total}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas

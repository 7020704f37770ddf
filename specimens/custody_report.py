"""Custody reports (PDF) to hand to an inspector: per tube its trail, field history, signatures
and the chain's verification, for one tube, a shipment's tubes or a participant's tubes."""

import io
import zoneinfo
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from specimens.dossier import Dossier

_STYLES = getSampleStyleSheet()
_SMALL = _STYLES["BodyText"].clone("small", fontSize=8, leading=10)
_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _cell(text) -> Paragraph:
    return Paragraph(escape(str(text)), _SMALL)


def _local(moment, zone: str) -> str:
    here = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
    return f"{here:%Y-%m-%d %H:%M:%S} {here.tzname()}"


def _table(headings: list[str], rows: list[list], widths: list[float]) -> Table:
    table = Table(
        [headings] + [[_cell(value) for value in row] for row in rows],
        repeatRows=1,
        colWidths=[w * inch for w in widths],
    )
    table.setStyle(_GRID)
    return table


def verification_sentence(d: Dossier) -> str:
    if not d.breaks:
        return f"Custody chain intact: {len(d.trail)} events, every hash recomputed."
    problems = "; ".join(f"{b.problem} (event {b.seq})" for b in d.breaks)
    return f"Custody chain BROKEN at event {d.first_break}: {problems}."


def _trail_rows(d: Dossier) -> list[list]:
    return [
        [
            e.seq,
            e.get_kind_display(),
            _local(e.at, e.site.time_zone),
            e.actor.get_username(),
            e.site.code,
            e.ref,
            ", ".join(f"{k}={v}" for k, v in e.shown_details.items()),
        ]
        for e in d.trail
    ]


def _history_rows(d: Dossier) -> list[list]:
    # In the zone of the site holding the tube, as the tube page writes them.
    zone = d.tube.current_site.time_zone
    return [
        [
            _local(h["at"], zone),
            h["user"] or "—",
            "; ".join(
                f"{c['field']}: {_shown(c['old'])} → {_shown(c['new'])}" for c in h["changes"]
            )
            or h["type"],
            h["reason"] or "",
        ]
        for h in d.history
    ]


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def _tube_story(d: Dossier) -> list:
    tube = d.tube
    story = [
        Paragraph(f"Tube {escape(tube.barcode)}", _STYLES["Heading2"]),
        Paragraph(
            escape(
                f"{tube.type.code} · status {tube.status} · biobank ID "
                f"{tube.participant.biobank_id} · collected at {tube.collection_site.code}"
            ),
            _STYLES["Normal"],
        ),
        Paragraph(f"<b>{escape(verification_sentence(d))}</b>", _STYLES["Normal"]),
        Paragraph("Custody trail", _STYLES["Heading3"]),
        _table(
            ["#", "Kind", "When", "Who", "Where", "Ref", "Details"],
            _trail_rows(d),
            [0.3, 0.8, 1.45, 0.85, 0.95, 0.9, 1.95],
        ),
        Paragraph("Field history", _STYLES["Heading3"]),
        _table(["When", "Who", "Change", "Why"], _history_rows(d), [1.4, 0.9, 3.2, 1.7]),
        Paragraph("Electronic signatures", _STYLES["Heading3"]),
    ]
    signatures = [
        [
            s.event.seq,
            s.get_meaning_display(),
            s.printed_name,
            _local(s.signed_at, s.event.site.time_zone),
        ]
        for s in d.signatures
    ]
    story.append(
        _table(["Event", "Meaning", "Printed name", "Signed"], signatures, [0.6, 1.2, 3.0, 2.4])
        if signatures
        else Paragraph("None.", _STYLES["Normal"])
    )
    return story


def custody_report_pdf(title: str, facts: list[tuple[str, str]], dossiers: list[Dossier]) -> bytes:
    """Letter pages: the title and facts, then each tube on its own page(s)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=title,
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
        invariant=True,
    )
    generated = f"{timezone.now():%Y-%m-%d %H:%M} UTC"
    story = [
        Paragraph(escape(title), _STYLES["Title"]),
        _table(["", ""], [*facts, ("Generated", generated), ("Tubes", len(dossiers))], [1.5, 5.7]),
        Spacer(1, 8),
    ]
    for number, d in enumerate(dossiers):
        if number:
            story.append(PageBreak())
        story.extend(_tube_story(d))

    def footer(canvas, doc):
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(LETTER[0] - 0.5 * inch, 0.4 * inch, f"{title} — page {doc.page}")

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

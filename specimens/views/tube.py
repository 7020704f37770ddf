"""The tube page every role in scope reads: custody trail, field history, signatures, lineage,
links to the pages other apps hold, and the chain's verification."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from barcode_printing.ids import parse_id
from lims.choices import Role
from lims.errors import DomainError
from lims.scoping import scope_of
from lims.web.pages import role_required
from specimens import dossier
from specimens.custody_report import custody_report_pdf

EVERY_ROLE = tuple(Role)
ORDER_READERS = (Role.PHLEBOTOMIST, Role.AUDITOR, Role.SITE_ADMIN)


def visible_tube(request, barcode: str):
    """The tube ``barcode`` in the user's scope, or 404 (a malformed ID is not found either)."""
    try:
        barcode = parse_id(barcode)
    except DomainError as error:
        raise Http404(error.detail) from error
    tube = dossier.tube_for(request.user, barcode)
    if tube is None:
        raise Http404(f"No tube {barcode} among those you can see.")
    return tube


@require_safe
@role_required(*EVERY_ROLE)
def tube_page(request, barcode: str):
    tube = visible_tube(request, barcode)
    # The order page is not a technician's: the biobank sees the order's code, not its page.
    order_page = scope_of(request.user).holds_role(ORDER_READERS)
    return render(
        request,
        "specimens/tube.html",
        {"d": dossier.dossier(tube), "tube": tube, "order_page": order_page},
    )


def report_response(title: str, facts: list, tubes, filename: str) -> HttpResponse:
    """The custody report of ``tubes`` as a PDF download named ``filename``."""
    pdf = custody_report_pdf(title, facts, dossier.dossiers(list(tubes)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@role_required(*EVERY_ROLE)
def tube_report(request, barcode: str):
    tube = visible_tube(request, barcode)
    return report_response(
        f"Custody report {tube.barcode}",
        [("Tube", tube.barcode), ("Biobank ID", tube.participant.biobank_id)],
        [tube],
        f"custody-{tube.barcode}.pdf",
    )


@require_safe
@role_required(*EVERY_ROLE)
def participant_report(request, biobank_id: str):
    """Every tube of the participant the user may see; the participant ID is never printed."""
    tubes = list(
        dossier.visible_tubes(request.user)
        .filter(participant__biobank_id=biobank_id.upper())
        .order_by("barcode")
    )
    if not tubes:
        raise Http404(f"No tube of participant {biobank_id} among those you can see.")
    return report_response(
        f"Custody report {tubes[0].participant.biobank_id}",
        [("Biobank ID", tubes[0].participant.biobank_id)],
        tubes,
        f"custody-{tubes[0].participant.biobank_id}.pdf",
    )

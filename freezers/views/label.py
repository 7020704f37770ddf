"""The box label printed from the box page: sent to a printer of the freezer's site (the job's
state answered there), or downloaded as a PDF."""

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from barcode_printing.web import PrintForm, print_from_form, site_printers
from freezers import lookups
from freezers.labels import labels_for_box
from freezers.views.browse import box_page, found
from freezers.web import TECHNICIAN
from lims.web.pages import answer, role_required


@require_http_methods(["POST"])
@role_required(TECHNICIAN)
def box_label(request, code: str):
    box = found(lookups.box_for, request, code)
    printers = site_printers(box.rack.freezer.site)
    form = PrintForm(request.POST, printers=printers)
    printed = print_from_form(
        request,
        form,
        printers,
        labels_for_box(request.user, box.code),
        what=f"Box label of {box.code}",
        stem=f"label-{box.code}",
    )
    if printed is True:
        return redirect("storage-box", code=box.code)
    if printed:
        return printed
    answer(request, "The box label was not printed: see the form.", ok=False)
    return box_page(request, box, status=400, label=form)

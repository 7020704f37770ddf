"""The box label printed from the box page: sent to a printer of the freezer's site (the job's
state answered there), or downloaded as a PDF."""

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from barcode_printing.web import print_posted
from freezers import lookups
from freezers.labels import labels_for_box
from freezers.views.browse import box_page, found
from freezers.web import TECHNICIAN
from lims.web.pages import role_required


@require_http_methods(["POST"])
@role_required(TECHNICIAN)
def box_label(request, code: str):
    box = found(lookups.box_for, request, code)
    return print_posted(
        request,
        box.rack.freezer.site,
        labels_for_box(request.user, box.code),
        what=f"Box label of {box.code}",
        stem=f"label-{box.code}",
        done=redirect("storage-box", code=box.code),
        page=lambda form: box_page(request, box, status=400, label=form),
    )

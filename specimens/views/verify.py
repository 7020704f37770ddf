"""The verify page: an auditor queues the verification of every chain in scope, then watches
its progress (an htmx poll) and reads the breaks, one row per broken chain."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lims.choices import Role
from lims.web.pages import answer, role_required
from specimens import verification
from specimens.models import VerificationRun

AUDITOR = Role.AUDITOR


def _own_run(request, public_id) -> VerificationRun:
    run = VerificationRun.objects.filter(public_id=public_id, requested_by=request.user).first()
    if run is None:
        raise Http404("No verification run of yours by that ID.")
    return run


@require_http_methods(["GET", "POST"])
@role_required(AUDITOR)
def verify(request):
    if request.method == "POST":
        run = verification.run_request(actor=request.user)
        answer(request, "Verification queued; this page follows its progress.")
        return redirect("verify-chains-run", public_id=run.public_id)
    runs = VerificationRun.objects.filter(requested_by=request.user).order_by("-requested_at")
    return render(request, "specimens/verify.html", {"runs": runs[:10]})


@require_safe
@role_required(AUDITOR)
def verify_run(request, public_id):
    run = _own_run(request, public_id)
    template = "specimens/_verify_progress.html" if request.headers.get("HX-Request") else None
    return render(request, template or "specimens/verify_run.html", {"run": run})

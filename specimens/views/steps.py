"""An order's working steps: labels, collecting by scanning, processing."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from barcode_printing.choices import PrintStatus
from barcode_printing.ids import parse_id
from barcode_printing.models import PrintJob
from barcode_printing.services import print_job_retry
from barcode_printing.web import PrintForm, job_sentence, print_posted
from lims.errors import DomainError
from lims.web.pages import answer, role_required, show_error
from specimens import services
from specimens.choices import SpecimenStatus
from specimens.errors import TubeNotInOrder
from specimens.forms import CollectScanForm, ProcessForm, local_now
from specimens.labels import labels_for_order
from specimens.models import Specimen
from specimens.views.actions import order_actions
from specimens.views.orders import load_order, require_action
from specimens.views.queue import PHLEBOTOMIST

# --- labels -----------------------------------------------------------------------------------


def _jobs(order):
    barcodes = [tube.barcode for tube in order.specimens.all()]
    return (
        PrintJob.objects.filter(items__payload__in=barcodes)
        .select_related("printer", "actor")
        .distinct()
        .order_by("-created_at", "-pk")
    )


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def labels(request, code: str):
    """Print the order's labels to a printer of the site, see each job's status, retry, or
    download them as a PDF."""
    order = load_order(request, code)
    if request.method == "POST":
        require_action(request, order, "labels")
        back = redirect("order-step-labels", code=order.code)
        if "retry" in request.POST:
            _retry(request, order)
            return back
        return print_posted(
            request,
            order.site,
            labels_for_order(request.user, order.code),
            what="Labels",
            stem=f"labels-{order.code}",
            done=back,
            page=lambda form: _labels_page(request, order, form),
        )
    return _labels_page(request, order)


def _labels_page(request, order, form: PrintForm | None = None):
    jobs = list(_jobs(order)[:20])
    if form is None:
        # A reprint goes, by default, where the last print went.
        last = jobs[0].printer if jobs and jobs[0].printer else None
        form = PrintForm(site=order.site, initial={"printer": last.name} if last else None)
    return render(
        request,
        "specimens/labels.html",
        {
            "order": order,
            "actions": order_actions(order, request.user),
            "form": form,
            "jobs": jobs,
            "pending": any(j.status in (PrintStatus.QUEUED, PrintStatus.SENDING) for j in jobs),
            "printed": bool(jobs),
            "zone": order.site.time_zone,
        },
        status=400 if form.errors else 200,
    )


def _job_answer(request, job: PrintJob) -> None:
    ok, sentence = job_sentence(job)
    answer(request, sentence, ok=ok)


def _retry(request, order) -> None:
    job = get_object_or_404(_jobs(order), public_id=request.POST["retry"])
    try:
        job = print_job_retry(actor=request.user, job=job)
    except DomainError as error:
        answer(request, error.detail, ok=False)
    else:
        _job_answer(request, job)


# --- collect ----------------------------------------------------------------------------------


def _belongs_elsewhere(user, text: str, order) -> str:
    """The sentence for a tube of another order: which order it is, so it is set aside."""
    other = (
        Specimen.objects.for_user(user)
        .filter(barcode=parse_id(text))
        .select_related("order")
        .first()
    )
    if other is None or other.order is None:
        return f"{parse_id(text)} is not a tube of order {order.code}; set it aside."
    return (
        f"{other.barcode} belongs to order {other.order.code}, not {order.code}: "
        "set it aside and scan a tube of this order."
    )


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def collect(request, code: str):
    """Scan each tube as it is drawn; the collection time defaults to now at the site."""
    order = load_order(request, code)
    zone = order.site.time_zone
    form = CollectScanForm(
        request.POST or None, zone=zone, initial={"collected_at": local_now(zone)}
    )
    if request.method == "POST":
        require_action(request, order, "collect")
        if form.is_valid():
            _collect_one(request, order, form.cleaned_data)
            order = load_order(request, code)
        else:
            answer(request, _first_error(form), ok=False)
        # The next scan starts empty; the time and notes typed stay as they were.
        kept = {key: request.POST.get(key, "") for key in ("collected_at", "notes")}
        form = CollectScanForm(zone=zone, initial=kept)
    tubes = list(order.specimens.all())
    return render(
        request,
        "specimens/collect.html",
        {
            "order": order,
            "actions": order_actions(order, request.user),
            "form": form,
            "tubes": tubes,
            "left": sum(t.status == SpecimenStatus.LABELED for t in tubes),
            "zone": zone,
        },
    )


def _first_error(form) -> str:
    field, problems = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else None
    return f"{label}: {problems[0]}" if label else problems[0]


def _collect_one(request, order, data) -> None:
    scanned = data["scan"]
    try:
        barcode = parse_id(scanned)
        services.order_collect(
            actor=request.user,
            order=order,
            collected_at=data["collected_at"],
            barcodes=[barcode],
            notes=data["notes"],
        )
    except TubeNotInOrder:
        answer(request, _belongs_elsewhere(request.user, scanned, order), ok=False)
    except DomainError as error:
        answer(request, error.detail, ok=False)
    else:
        tube = next(t for t in order.specimens.all() if t.barcode == barcode)
        answer(request, f"{barcode} collected ({tube.type.code}).")


# --- process ----------------------------------------------------------------------------------


def _to_process(order) -> list[Specimen]:
    return [
        t
        for t in order.specimens.all()
        if t.type.needs_processing and t.status == SpecimenStatus.COLLECTED
    ]


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def process(request, code: str):
    """Per tube: minutes since collection and the program's window; record processing."""
    order = load_order(request, code)
    zone = order.site.time_zone
    waiting = _to_process(order)
    barcodes = [t.barcode for t in waiting]
    form = ProcessForm(
        request.POST or None,
        zone=zone,
        barcodes=barcodes,
        initial={"processed_at": local_now(zone)},
    )
    if request.method == "POST":
        require_action(request, order, "process")
        if form.is_valid():
            try:
                services.order_process(
                    actor=request.user,
                    order=order,
                    times=form.times(barcodes),
                    centrifuge=form.cleaned_data["centrifuge"],
                )
            except DomainError as error:
                show_error(form, error)
                answer(request, error.detail, ok=False)
            else:
                answer(request, f"Processing of order {order.code} recorded.")
                return redirect("order", code=order.code)
        else:
            answer(request, "Enter the processing times as dates and times.", ok=False)
    return render(
        request,
        "specimens/process.html",
        {
            "order": order,
            "actions": order_actions(order, request.user),
            "form": form,
            "rows": [{"tube": t, "field": form[f"time_{t.barcode}"]} for t in waiting],
            "done": [t for t in order.specimens.all() if t.processed_at],
            "zone": zone,
            "now": timezone.now(),
        },
        status=400 if request.method == "POST" else 200,
    )

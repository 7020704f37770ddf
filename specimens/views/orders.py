"""An order's pages: starting one (safety first), its summary, finalizing, cancel/restore/unlock."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lims.choices import Role
from lims.errors import DomainError
from lims.web.pages import ListedReasonForm, answer, role_required, show_error
from specimens import services
from specimens.choices import CancelReason, Consent, RestoreReason, SpecimenStatus, UnlockReason
from specimens.forms import SafetyForm
from specimens.models import CollectionOrder, Specimen
from specimens.selectors import participants_drawn_by
from specimens.views.actions import order_actions
from specimens.views.queue import PHLEBOTOMIST

REASONS = {"cancel": CancelReason, "restore": RestoreReason, "unlock": UnlockReason}
SERVICES = {
    "cancel": services.order_cancel,
    "restore": services.order_restore,
    "unlock": services.order_unlock,
}
DONE = {
    "cancel": "cancelled",
    "restore": "restored",
    "unlock": "unlocked: amend it, then finalize it again",
}


def load_order(request, code: str) -> CollectionOrder:
    """The order, if the user sees it (404 otherwise), with its tubes and their types: what the
    pages show, without the API's storage and shipment joins (a station answers each scan)."""
    tubes = Specimen.objects.select_related("type").order_by("barcode")
    visible = (
        CollectionOrder.objects.for_user(request.user)
        .select_related("participant", "site")
        .prefetch_related(Prefetch("specimens", queryset=tubes))
    )
    return get_object_or_404(visible, code=code.strip().upper())


def require_action(request, order: CollectionOrder, action: str) -> frozenset[str]:
    actions = order_actions(order, request.user)
    if action not in actions:
        raise PermissionDenied(
            f"Order {order.code} is {order.get_status_display().lower()}: it cannot be "
            f"{action}ed now by you."
        )
    return actions


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def new_order(request, pid: str):
    """Safety questions first; then the tube set in force, in draw order, all ticked."""
    person = get_object_or_404(participants_drawn_by(request.user), participant_id=pid.upper())
    site = person.registered_site
    if person.consent == Consent.WITHDRAWN:
        answer(
            request, f"{person.participant_id} withdrew consent: no order can be started.", ok=False
        )
        return redirect("participant", pid=person.participant_id)
    safety = SafetyForm(request.GET if "fainting_history" in request.GET else None)
    tube_set = services.tube_set_in_force()
    tubes, refused, error = [], {}, None
    if safety.is_valid():
        tubes = list(tube_set.types.order_by(F("draw_order").asc(nulls_last=True), "code"))
        refused = dict(
            line.split(": ", 1) for line in services.safety_refusals(tubes, safety.answers())
        )
        if request.method == "POST":
            chosen = request.POST.getlist("tubes")
            try:
                order = services.order_create(
                    actor=request.user,
                    participant=person,
                    site=site,
                    tube_codes=chosen,
                    safety=safety.answers(),
                    tube_set=tube_set,
                )
            except DomainError as failure:
                error = failure.detail
            else:
                answer(request, f"Order {order.code} created with {len(chosen)} tubes.")
                return redirect("order-step-labels", code=order.code)
    ticked = request.POST.getlist("tubes") if request.method == "POST" else None
    return render(
        request,
        "specimens/new_order.html",
        {
            "person": person,
            "site": site,
            "safety": safety,
            "tube_set": tube_set,
            "rows": [
                {
                    "tube": tube,
                    "refusal": refused.get(tube.code, ""),
                    "ticked": (tube.code in ticked)
                    if ticked is not None
                    else tube.code not in refused,
                }
                for tube in tubes
            ],
            "error": error,
        },
    )


@require_http_methods(["GET"])
@role_required(PHLEBOTOMIST, Role.AUDITOR, Role.SITE_ADMIN)
def order_page(request, code: str):
    order = load_order(request, code)
    return render(
        request,
        "specimens/order.html",
        _order_context(request, order),
    )


def _order_context(request, order, **forms) -> dict:
    actions = order_actions(order, request.user)
    reason_forms = {
        action: forms.get(action) or ListedReasonForm(reasons=REASONS[action], prefix=action)
        for action in REASONS
        if action in actions
    }
    return {
        "order": order,
        "tubes": order.specimens.all(),
        "actions": actions,
        "reason_forms": reason_forms,
        "events": order.events.select_related("actor", "site").order_by("at", "pk"),
        "zone": order.site.time_zone,
    }


@require_http_methods(["POST"])
@role_required(PHLEBOTOMIST)
def order_reason_action(request, code: str, action: str):
    """Cancel, restore or unlock an order, with a reason from the list or 'other' and words."""
    if action not in SERVICES:
        raise Http404(action)
    order = load_order(request, code)
    require_action(request, order, action)
    form = ListedReasonForm(request.POST, reasons=REASONS[action], prefix=action)
    if form.is_valid():
        try:
            SERVICES[action](
                actor=request.user,
                order=order,
                reason=form.cleaned_data["reason"],
                reason_text=form.cleaned_data["reason_text"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            answer(request, f"Order {order.code} {DONE[action]}.")
            return redirect("order", code=order.code)
    answer(request, f"Order {order.code} was not {action}ed: see the reason below.", ok=False)
    return render(
        request,
        "specimens/order.html",
        _order_context(request, order, **{action: form}),
        status=400,
    )


def finalize_warnings(order) -> list[str]:
    """What the program warns about before finalizing."""
    tubes = list(order.specimens.all())
    warnings = []
    labeled = [t.barcode for t in tubes if t.status == SpecimenStatus.LABELED]
    if labeled:
        warnings.append(
            f"{len(labeled)} tube(s) were not collected and will not be shipped: "
            f"{', '.join(labeled)}."
        )
    flagged = [t.barcode for t in tubes if t.qc_flags]
    if flagged:
        warnings.append(f"Processed outside the program's window: {', '.join(flagged)}.")
    return warnings


@require_http_methods(["GET", "POST"])
@role_required(PHLEBOTOMIST)
def finalize(request, code: str):
    order = load_order(request, code)
    if request.method == "POST":
        require_action(request, order, "finalize")
        try:
            services.order_finalize(actor=request.user, order=order)
        except DomainError as error:
            answer(request, error.detail, ok=False)
        else:
            answer(request, f"Order {order.code} finalized: its tubes can be packed.")
            return redirect("order", code=order.code)
    tubes = list(order.specimens.all())
    return render(
        request,
        "specimens/finalize.html",
        {
            "order": order,
            "tubes": tubes,
            "collected": [t for t in tubes if t.collected_at],
            "processed": [t for t in tubes if t.processed_at],
            "warnings": finalize_warnings(order),
            "actions": order_actions(order, request.user),
            "zone": order.site.time_zone,
        },
        status=400 if request.method == "POST" else 200,
    )

"""The packing side's web steps beyond scanning: create a shipment, take a tube out, cancel an
empty shipment, print its package label; and the packing page that shows them all."""

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from barcode_printing.web import PrintForm, print_posted
from lims.choices import Role
from lims.errors import DomainError
from lims.web.pages import ListedReasonForm, answer, role_required, show_error, site_for
from shipments import packing, selectors
from shipments.choices import (
    Condition,
    Courier,
    ShipmentCancelReason,
    ShipmentStatus,
    UnpackReason,
)
from shipments.labels import labels_for_shipment
from shipments.lifecycle import allowed_actions
from shipments.models import Shipment
from specimens.services import reason_from_list

RECENT = 12
OPEN_STATES = [ShipmentStatus.PACKING, ShipmentStatus.DISPATCHED, ShipmentStatus.ARRIVED]


def visible_shipment(request, code: str) -> Shipment:
    visible = Shipment.objects.for_user(request.user).select_related("origin", "destination")
    return get_object_or_404(visible, code=code.strip().upper())


def shipments_in_scope(user):
    """The open shipments of the user's sites: packing, on their way, or being received."""
    return selectors.shipment_list(Shipment.objects.for_user(user).filter(status__in=OPEN_STATES))[
        :200
    ]


class NewShipmentForm(forms.Form):
    condition = forms.ChoiceField(choices=Condition.choices)


class DispatchForm(forms.Form):
    courier = forms.ChoiceField(
        choices=Courier.choices, widget=forms.Select(attrs={"accesskey": "d"})
    )
    tracking_number = forms.CharField(max_length=60)
    dry_ice_kg = forms.DecimalField(max_digits=5, decimal_places=2, required=False)
    logger_id = forms.CharField(max_length=64, required=False)


class RemoveForm(ListedReasonForm):
    tube = forms.CharField(max_length=64, label="Tube to take out")


def pack_page(request, shipment, *, status: int = 200, **bound):
    """The packing station with its forms; a form given in ``bound`` keeps what was typed."""
    items = selectors.manifest_items(shipment).order_by("-added_at", "-pk")
    count = items.count()
    return render(
        request,
        "shipments/pack_station.html",
        {
            "shipment": shipment,
            "count": count,
            "recent": items[:RECENT],
            "dispatch": bound.get("dispatch") or DispatchForm(),
            "remove": bound.get("remove") or RemoveForm(reasons=UnpackReason, prefix="remove"),
            "cancel": bound.get("cancel")
            or ListedReasonForm(reasons=ShipmentCancelReason, prefix="cancel"),
            "label": bound.get("label") or PrintForm(site=shipment.origin),
            "actions": allowed_actions(shipment, request.user),
        },
        status=status,
    )


@require_http_methods(["POST"])
@role_required(Role.PHLEBOTOMIST)
def create_shipment(request):
    """A new shipment from the user's collection site to the biobank, still packing."""
    form = NewShipmentForm(request.POST)
    origin = site_for(request, Role.PHLEBOTOMIST)
    if form.is_valid():
        try:
            shipment = packing.shipment_create(
                actor=request.user,
                origin=origin,
                condition=form.cleaned_data["condition"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            answer(request, f"Shipment {shipment.code} created: scan its tubes to pack them.")
            return redirect("station-pack", code=shipment.code)
    answer(request, "Choose how the shipment travels.", ok=False)
    return render(
        request,
        "shipments/stations.html",
        {"shipments": shipments_in_scope(request.user), "new": form, "can_pack": True},
        status=400,
    )


def _reason(form) -> str:
    data = form.cleaned_data
    return reason_from_list(form.reasons, data["reason"], data["reason_text"])


@require_http_methods(["POST"])
@role_required(Role.PHLEBOTOMIST)
def remove_step(request, code: str):
    shipment = visible_shipment(request, code)
    form = RemoveForm(request.POST, reasons=UnpackReason, prefix="remove")
    if form.is_valid():
        try:
            item = packing.shipment_remove_item(
                actor=request.user,
                shipment=shipment,
                barcode=form.cleaned_data["tube"],
                reason=_reason(form),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            answer(request, f"{item.specimen.barcode} taken out of {shipment.code}.")
            return redirect("station-pack", code=shipment.code)
    answer(request, "The tube was not taken out: see below.", ok=False)
    return pack_page(request, shipment, status=400, remove=form)


@require_http_methods(["POST"])
@role_required(Role.PHLEBOTOMIST)
def cancel_step(request, code: str):
    shipment = visible_shipment(request, code)
    form = ListedReasonForm(request.POST, reasons=ShipmentCancelReason, prefix="cancel")
    if form.is_valid():
        try:
            packing.shipment_cancel(actor=request.user, shipment=shipment, reason=_reason(form))
        except DomainError as error:
            show_error(form, error)
        else:
            answer(request, f"Shipment {shipment.code} cancelled.")
            return redirect("stations")
    answer(request, f"Shipment {shipment.code} was not cancelled: see below.", ok=False)
    return pack_page(request, shipment, status=400, cancel=form)


@require_http_methods(["POST"])
@role_required(Role.PHLEBOTOMIST)
def label_step(request, code: str):
    """The package label: sent to a label printer, or downloaded as a PDF."""
    shipment = visible_shipment(request, code)
    return print_posted(
        request,
        shipment.origin,
        labels_for_shipment(request.user, shipment.code),
        what=f"Package label of {shipment.code}",
        stem=f"label-{shipment.code}",
        done=redirect("station-pack", code=shipment.code),
        page=lambda form: pack_page(request, shipment, status=400, label=form),
    )

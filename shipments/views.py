"""Scanning stations: pages a keyboard-wedge scanner types into, one scan (and Enter) a submit.

The pages call the same services as the API; each answer is shown at once, large, so the
person scanning sees it without looking away from the tubes.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lims.choices import Role
from lims.errors import DomainError
from lims.scoping import scope_of
from lims.web.pages import role_required, show_error
from shipments import dispatch, packing, receipt, selectors
from shipments.choices import ReceiptStatus
from shipments.lifecycle import allowed_actions
from shipments.packing_views import (
    DispatchForm,
    NewShipmentForm,
    pack_page,
    shipments_in_scope,
)
from shipments.packing_views import visible_shipment as _shipment

RECENT = 12
# A manifest holds a few hundred tubes at most; beyond this the page says how many more.
CONFIRM_LISTED = 500
SCAN_INVALID = "Scan a tube: the field was empty or too long."
_RECEIPT_LEVEL = {
    "expected": messages.SUCCESS,
    "straggler": messages.SUCCESS,
    "damaged": messages.WARNING,
    "unexpected": messages.WARNING,
}


class PackScanForm(forms.Form):
    scan = forms.CharField(max_length=64)
    inner_box = forms.IntegerField(min_value=1, max_value=999, required=False)
    position = forms.CharField(max_length=8, required=False)


class ReceiveScanForm(forms.Form):
    scan = forms.CharField(max_length=64)
    damaged = forms.BooleanField(required=False)
    reference = forms.CharField(max_length=200, required=False)


class ArriveForm(forms.Form):
    condition_ok = forms.BooleanField(required=False)
    temperature_c = forms.DecimalField(
        max_digits=5, decimal_places=1, min_value=-200, max_value=80, required=False
    )
    notes = forms.CharField(max_length=1000, required=False)


def _submit(request, form_class, record, *, invalid: str) -> None:
    """Validate the form, run ``record(data)``, and leave its answer as a message."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        level, sentence = record(form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.detail)
        return
    messages.add_message(request, level, sentence)


@require_safe
@role_required(Role.PHLEBOTOMIST, Role.BIOBANK_TECHNICIAN)
def stations(request):
    """The open shipments of the user's sites, and a new shipment for a collection site."""
    return render(
        request,
        "shipments/stations.html",
        {
            "shipments": shipments_in_scope(request.user),
            "new": NewShipmentForm(),
            "can_pack": bool(scope_of(request.user).sites_with_role([Role.PHLEBOTOMIST])),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PHLEBOTOMIST)
def pack_station(request, code: str):
    shipment = _shipment(request, code)
    if request.method == "POST":

        def pack(data):
            item = packing.shipment_add_item(
                actor=request.user,
                shipment=shipment,
                barcode=data["scan"],
                inner_box=data["inner_box"],
                position=data["position"] or "",
            )
            return messages.SUCCESS, f"{item.specimen.barcode} packed ({item.specimen.type.code})."

        _submit(request, PackScanForm, pack, invalid=SCAN_INVALID)
        return redirect("station-pack", code=shipment.code)
    return pack_page(request, shipment)


@require_http_methods(["GET", "POST"])
@role_required(Role.BIOBANK_TECHNICIAN)
def receive_station(request, code: str):
    shipment = _shipment(request, code)
    if request.method == "POST":

        def receive(data):
            received = receipt.shipment_receive(
                actor=request.user,
                shipment=shipment,
                barcode=data["scan"],
                damaged=data["damaged"],
                reference=data["reference"],
            )
            # A tube to destroy is the loudest answer, whatever else the scan found.
            level = messages.ERROR if received.disposal_due else _RECEIPT_LEVEL[received.outcome]
            return level, received.sentence()

        _submit(request, ReceiveScanForm, receive, invalid=SCAN_INVALID)
        return redirect("station-receive", code=shipment.code)
    recent = (
        selectors.manifest_items(shipment)
        .exclude(receipt_status=ReceiptStatus.PENDING)
        .order_by("-received_at", "-pk")
    )
    return render(
        request,
        "shipments/receive_station.html",
        {
            "shipment": shipment,
            "counts": selectors.receipt_counts(shipment),
            "recent": recent[:RECENT],
            "form": ReceiveScanForm(),
            "actions": allowed_actions(shipment, request.user),
        },
    )


@require_http_methods(["POST"])
@role_required(Role.PHLEBOTOMIST)
def dispatch_step(request, code: str):
    """Hand the shipment to the courier; a refusal keeps what was typed beside its sentence."""
    shipment = _shipment(request, code)
    form = DispatchForm(request.POST)
    if form.is_valid():
        try:
            dispatch.shipment_dispatch(actor=request.user, shipment=shipment, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{shipment.code} dispatched: its contents are now fixed.")
            return redirect("station-pack", code=shipment.code)
    messages.error(request, f"{shipment.code} was not dispatched: see the dispatch form.")
    return pack_page(request, shipment, status=400, dispatch=form)


@require_http_methods(["POST"])
@role_required(Role.BIOBANK_TECHNICIAN)
def arrive_step(request, code: str):
    shipment = _shipment(request, code)

    def arrive(data):
        receipt.shipment_arrive(actor=request.user, shipment=shipment, **data)
        return messages.SUCCESS, f"Arrival of {shipment.code} recorded: scan its tubes."

    _submit(request, ArriveForm, arrive, invalid="The temperature is a number from -200 to 80 °C.")
    return redirect("station-receive", code=shipment.code)


@require_http_methods(["POST"])
@role_required(Role.BIOBANK_TECHNICIAN)
def close_step(request, code: str):
    """First the tubes that closing would mark missing, for the user to confirm; then close."""
    shipment = _shipment(request, code)
    if request.POST.get("confirm") != "yes":
        return _confirm_close(request, shipment)
    try:
        receipt.shipment_close(actor=request.user, shipment=shipment)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        missing = selectors.receipt_counts(shipment)["missing"]
        messages.add_message(
            request,
            messages.WARNING if missing else messages.SUCCESS,
            f"Receipt of {shipment.code} closed: {missing} not received, marked missing.",
        )
    return redirect("station-receive", code=shipment.code)


def _confirm_close(request, shipment):
    if "close" not in allowed_actions(shipment, request.user):
        messages.error(request, f"The receipt of {shipment.code} cannot be closed now.")
        return redirect("station-receive", code=shipment.code)
    pending = selectors.manifest_items(shipment).filter(receipt_status=ReceiptStatus.PENDING)
    count = pending.count()
    return render(
        request,
        "shipments/close_confirm.html",
        {"shipment": shipment, "pending": pending[:CONFIRM_LISTED], "count": count},
    )

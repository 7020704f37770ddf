"""Scanning stations: pages a keyboard-wedge scanner types into, one scan (and Enter) a submit.

The pages call the same services as the API; each answer is shown at once, large, so the
person scanning sees it without looking away from the tubes.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lims.errors import DomainError
from shipments import dispatch, packing, receipt, selectors
from shipments.choices import Courier, ReceiptStatus, ShipmentStatus
from shipments.models import Shipment

RECENT = 12
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


def _shipment(request, code: str) -> Shipment:
    visible = Shipment.objects.for_user(request.user).select_related("origin", "destination")
    return get_object_or_404(visible, code=code.strip().upper())


class DispatchForm(forms.Form):
    courier = forms.ChoiceField(choices=Courier.choices)
    tracking_number = forms.CharField(max_length=60)
    dry_ice_kg = forms.DecimalField(max_digits=5, decimal_places=2, required=False)
    logger_id = forms.CharField(max_length=64, required=False)


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
@login_required
def stations(request):
    """The open shipments of the user's sites: those packing, and those on their way or
    arrived and being received."""
    open_states = [ShipmentStatus.PACKING, ShipmentStatus.DISPATCHED, ShipmentStatus.ARRIVED]
    shipments = selectors.shipment_list(
        Shipment.objects.for_user(request.user).filter(status__in=open_states)
    )
    return render(request, "shipments/stations.html", {"shipments": shipments[:200]})


@require_http_methods(["GET", "POST"])
@login_required
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
    items = selectors.manifest_items(shipment).order_by("-added_at", "-pk")
    return render(
        request,
        "shipments/pack_station.html",
        {
            "shipment": shipment,
            "count": items.count(),
            "recent": items[:RECENT],
            "form": PackScanForm(),
            "couriers": Courier.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
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
        },
    )


@require_http_methods(["POST"])
@login_required
def dispatch_step(request, code: str):
    shipment = _shipment(request, code)

    def send(data):
        dispatch.shipment_dispatch(
            actor=request.user,
            shipment=shipment,
            courier=data["courier"],
            tracking_number=data["tracking_number"],
            dry_ice_kg=data["dry_ice_kg"],
            logger_id=data["logger_id"],
        )
        return messages.SUCCESS, f"{shipment.code} dispatched: its contents are now fixed."

    _submit(request, DispatchForm, send, invalid="Choose the courier and give its tracking number.")
    return redirect("station-pack", code=shipment.code)


@require_http_methods(["POST"])
@login_required
def arrive_step(request, code: str):
    shipment = _shipment(request, code)

    def arrive(data):
        receipt.shipment_arrive(actor=request.user, shipment=shipment, **data)
        return messages.SUCCESS, f"Arrival of {shipment.code} recorded: scan its tubes."

    _submit(request, ArriveForm, arrive, invalid="The temperature is a number from -200 to 80 °C.")
    return redirect("station-receive", code=shipment.code)


@require_http_methods(["POST"])
@login_required
def close_step(request, code: str):
    shipment = _shipment(request, code)
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

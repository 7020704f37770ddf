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
from shipments import selectors, services
from shipments.choices import ReceiptStatus, ShipmentStatus
from shipments.models import Shipment

RECENT = 12
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


def _scan(request, form_class, record) -> None:
    """Validate the scan form, run ``record(data)``, and leave its answer as a message."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "Scan a tube: the field was empty or too long.")
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
            item = services.shipment_add_item(
                actor=request.user,
                shipment=shipment,
                barcode=data["scan"],
                inner_box=data["inner_box"],
                position=data["position"] or "",
            )
            return messages.SUCCESS, f"{item.specimen.barcode} packed ({item.specimen.type.code})."

        _scan(request, PackScanForm, pack)
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
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def receive_station(request, code: str):
    shipment = _shipment(request, code)
    if request.method == "POST":

        def receive(data):
            outcome, _ = services.shipment_receive(
                actor=request.user,
                shipment=shipment,
                barcode=data["scan"],
                damaged=data["damaged"],
                reference=data["reference"],
            )
            barcode = data["scan"].strip().upper()
            answer = services.RECEIPT_ANSWERS[outcome].format(id=barcode, shipment=shipment.code)
            return _RECEIPT_LEVEL[outcome], answer

        _scan(request, ReceiveScanForm, receive)
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

"""What shipments adds to the auditor's pages: each tube's shipments on its tube page, and the
custody report of every tube a shipment carried."""

from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_safe

from lims.web.pages import role_required
from shipments.choices import ReceiptStatus
from shipments.models import Shipment, ShipmentItem
from specimens import extensions
from specimens.dossier import visible_tubes
from specimens.views.tube import EVERY_ROLE, report_response


def tube_shipments(specimens) -> dict[int, list[extensions.Link]]:
    """Each tube's shipments, in the order it was packed into them."""
    lines = (
        ShipmentItem.objects.filter(specimen__in=[specimen.pk for specimen in specimens])
        .exclude(receipt_status=ReceiptStatus.REMOVED)
        .select_related("shipment")
        .order_by("specimen_id", "added_at", "pk")
    )
    links: dict[int, list[extensions.Link]] = {}
    for line in lines:
        links.setdefault(line.specimen_id, []).append(
            extensions.Link(
                "Shipment",
                f"{line.shipment.code} ({line.receipt_status}) custody report",
                reverse("shipment-report", args=[line.shipment.code]),
            )
        )
    return links


@require_safe
@role_required(*EVERY_ROLE)
def shipment_report(request, code: str):
    shipment = Shipment.objects.for_user(request.user).filter(code=code.upper()).first()
    if shipment is None:
        raise Http404(f"No shipment {code} among those you can see.")
    tubes = visible_tubes(request.user).filter(shipment_items__shipment=shipment).distinct()
    return report_response(
        f"Custody report {shipment.code}",
        [
            ("Shipment", shipment.code),
            ("From", shipment.origin.code),
            ("To", shipment.destination.code),
            ("Status", shipment.get_status_display()),
            ("Tracking", shipment.tracking_number or "—"),
        ],
        tubes.order_by("barcode"),
        f"custody-{shipment.code}.pdf",
    )


extensions.add_links("shipments", tube_shipments)

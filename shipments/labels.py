"""The shipment's 4 by 6 inch package label (UN3373, dry ice when packed on it): the ``shipment``
source of POST labels/."""

from barcode_printing.layouts import LabelData
from barcode_printing.sources import LabelBatch, label_source
from lims.errors import NotFound
from shipments.models import Shipment


def shipment_label_data(shipment: Shipment) -> LabelData:
    """From and to, the code as barcode, and who answers for the package (IATA PI 650)."""
    responsible = shipment.dispatched_by or shipment.created_by
    return LabelData(
        payload=shipment.code,
        lines=(
            f"{shipment.origin.name} ({shipment.origin.code})",
            f"{shipment.destination.name} ({shipment.destination.code})",
            f"Responsible: {responsible.get_full_name() or responsible.get_username()}",
        ),
        dry_ice_kg=shipment.dry_ice_kg,
    )


@label_source("shipment")
def labels_for_shipment(user, code: str) -> LabelBatch:
    shipment = (
        Shipment.objects.for_user(user)
        .select_related("origin", "destination", "created_by", "dispatched_by")
        .filter(code=code.strip().upper())
        .first()
    )
    if shipment is None:
        raise NotFound(
            f"No shipment {code} among those you can see.", errors={"shipment": ["Unknown."]}
        )
    return LabelBatch(
        ids=(shipment.code,),
        labels=(shipment_label_data(shipment),),
        site=shipment.origin,
        layout="shipment_400x600",
    )

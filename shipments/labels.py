"""The shipment's 4 by 6 inch package label (UN3373, dry ice when packed on it): the ``shipment``
source of POST labels/."""

from barcode_printing.layouts import LabelData
from barcode_printing.sources import LabelBatch, label_source
from lims.errors import Conflict, NotFound
from shipments.models import Shipment


class ResponsibleContactMissing(Conflict):
    code = "responsible_contact_missing"
    title = "The site has no responsible person and 24-hour phone"


def shipment_label_data(shipment: Shipment) -> LabelData:
    """From and to, the code as barcode, and who answers for the package day and night: the
    sending site's responsible person and 24-hour telephone (IATA PI 650)."""
    origin = shipment.origin
    if not (origin.responsible_name and origin.responsible_phone):
        raise ResponsibleContactMissing(
            f"A UN3373 package names a person responsible and a 24-hour telephone; {origin.code} "
            "has none: a site admin enters them on the site, then print the label again."
        )
    return LabelData(
        payload=shipment.code,
        lines=(
            f"{origin.name} ({origin.code})",
            f"{shipment.destination.name} ({shipment.destination.code})",
            f"{origin.responsible_name}, tel. {origin.responsible_phone} (24 h)",
        ),
        dry_ice_kg=shipment.dry_ice_kg,
    )


@label_source("shipment")
def labels_for_shipment(user, code: str) -> LabelBatch:
    shipment = (
        Shipment.objects.for_user(user)
        .select_related("origin", "destination")
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

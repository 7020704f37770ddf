"""What shipments add to the workbench shell: shipment IDs in the search box, the stations in
the navigation (registered from ``ShipmentsConfig.ready``)."""

from django.urls import reverse

from lims import search
from lims.choices import Role
from lims.web import nav
from shipments.choices import ShipmentStatus
from shipments.models import Shipment


def open_shipment(user, text: str) -> str:
    shipment = Shipment.objects.for_user(user).filter(code=text).first()
    if shipment is None:
        raise search.SearchRefused(f"No shipment {text} among those you can see.")
    station = "station-pack" if shipment.status == ShipmentStatus.PACKING else "station-receive"
    return reverse(station, args=[shipment.code])


def register() -> None:
    search.register(r"SH-\d+", open_shipment, describe="shipments (SH-…)")
    nav.register(
        "Shipping",
        "stations",
        roles=[Role.PHLEBOTOMIST, Role.BIOBANK_TECHNICIAN],
        order=30,
        key="s",
    )

"""App configuration for shipments."""

from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = "Shipments"

    def ready(self) -> None:
        from shipments import specimen_extensions  # noqa: F401  (adds shipment to the specimen)

"""App configuration for shipments."""

from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = "Shipments"

    def ready(self) -> None:
        # The shipment a tube travels in, on the specimen; the scans a batch may carry.
        from shipments import batch, specimen_extensions  # noqa: F401
        from shipments import web

        web.register()

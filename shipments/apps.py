"""App configuration for shipments."""

from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = "Shipments"

    def ready(self) -> None:
        # The shipment a tube travels in, on the specimen; the scans a batch may carry; the pages'
        # search and navigation entries.
        from shipments import batch, custody_pages, specimen_extensions, web  # noqa: F401

        web.register()

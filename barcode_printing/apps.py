"""App configuration for barcode printing."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class BarcodePrintingConfig(AppConfig):
    name = "barcode_printing"
    verbose_name = "Barcode printing"

    def ready(self) -> None:
        # Each app's labels.py registers its label sources (see barcode_printing.sources).
        autodiscover_modules("labels")

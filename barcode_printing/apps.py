"""App configuration for barcode printing."""

from django.apps import AppConfig


class BarcodePrintingConfig(AppConfig):
    name = "barcode_printing"
    verbose_name = "Barcode printing"

"""App configuration for the device drivers (imports nothing of the other apps but IDs)."""

from django.apps import AppConfig


class ScannerDriversConfig(AppConfig):
    name = "scanner_drivers"
    verbose_name = "Scanner and scale drivers"

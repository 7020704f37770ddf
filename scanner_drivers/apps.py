"""App configuration for the device drivers (they import nothing of the other apps)."""

from django.apps import AppConfig


class ScannerDriversConfig(AppConfig):
    name = "scanner_drivers"
    verbose_name = "Scanner and scale drivers"

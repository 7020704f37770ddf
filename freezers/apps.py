"""App configuration for freezer storage."""

from django.apps import AppConfig


class FreezersConfig(AppConfig):
    name = "freezers"
    verbose_name = "Freezer storage"

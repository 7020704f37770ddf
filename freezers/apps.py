"""App configuration for freezer storage."""

from django.apps import AppConfig


class FreezersConfig(AppConfig):
    name = "freezers"
    verbose_name = "Freezer storage"

    def ready(self) -> None:
        # Storage on the specimen; the dashboard panels.
        from freezers import panels, specimen_extensions  # noqa: F401

"""App configuration for freezer storage."""

from django.apps import AppConfig


class FreezersConfig(AppConfig):
    name = "freezers"
    verbose_name = "Freezer storage"

    def ready(self) -> None:
        # Storage on the specimen; the pages' search and navigation entries; the dashboard panels.
        from freezers import panels, specimen_extensions, web  # noqa: F401

        web.register()

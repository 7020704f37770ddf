"""App configuration for freezer storage."""

from django.apps import AppConfig


class FreezersConfig(AppConfig):
    name = "freezers"
    verbose_name = "Freezer storage"

    def ready(self) -> None:
        from freezers import specimen_extensions  # noqa: F401  (adds storage to the specimen)
        from freezers import web

        web.register()

"""App configuration for the specimen core."""

from django.apps import AppConfig


class SpecimensConfig(AppConfig):
    name = "specimens"
    verbose_name = "Specimens"

    def ready(self) -> None:
        from specimens import batch  # noqa: F401  (registers the scans a batch may carry)
        from specimens import web

        web.register()

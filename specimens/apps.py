"""App configuration for the specimen core."""

from django.apps import AppConfig


class SpecimensConfig(AppConfig):
    name = "specimens"
    verbose_name = "Specimens"

    def ready(self) -> None:
        # The scans a batch may carry; the pages' search and navigation entries.
        from specimens import batch, web  # noqa: F401

        web.register()

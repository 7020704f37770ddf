"""App configuration for the specimen core."""

from django.apps import AppConfig


class SpecimensConfig(AppConfig):
    name = "specimens"
    verbose_name = "Specimens"

    def ready(self) -> None:
        from specimens import web

        web.register()

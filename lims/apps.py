"""App configuration: connects the append-only guards and the sign-in log."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LimsConfig(AppConfig):
    name = "lims"
    verbose_name = "Sites and users"

    def ready(self) -> None:
        from lims import checks, security  # noqa: F401  (registers checks and log receivers)
        from lims.audit import guard_base_managers
        from lims.db_guards import install_guards_after_migrate

        guard_base_managers()

        post_migrate.connect(
            install_guards_after_migrate, sender=self, dispatch_uid="lims_append_only_guards"
        )

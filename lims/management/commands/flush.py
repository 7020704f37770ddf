"""Django's flush, lifting the append-only guards for the wipe and restoring them after.

Flushing erases every record, audit trail included; it exists for test databases and
throw-away demo installs. The guards are back before the command returns.
"""

from django.core.management.commands import flush

from lims.db_guards import install_guards, remove_guards


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        remove_guards(database)
        try:
            super().handle(**options)
        finally:
            install_guards(database)

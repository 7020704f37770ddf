"""Django's flush, lifting the append-only guards for the wipe and restoring them after.

Flushing erases every record, audit trail included; it exists for test databases and
throw-away demo installs. The guards are back before the command returns. It runs as the owner
role when MIGRATE_DATABASE_URL names one: only the tables' owner may lift the guards.
"""

from django.core.management.commands import flush

from lims.database import as_owner
from lims.db_guards import install_guards, remove_guards


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        with as_owner(database):
            remove_guards(database)
            try:
                super().handle(**options)
            finally:
                install_guards(database)

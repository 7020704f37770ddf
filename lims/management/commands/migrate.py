"""``migrate`` as the owner role of MIGRATE_DATABASE_URL when it is set: the app role may not
create or alter tables, nor install the append-only triggers."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from lims.database import as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)

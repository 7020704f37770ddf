"""Create the PostgreSQL owner and app roles: the app owns no table, so it cannot drop triggers."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from lims.db_guards import append_only_tables, redactable_tables


def grants(
    owner: str, app: str, append_only: set[str], tables: list[str], redactable: dict | None = None
) -> list[sql.Composed]:
    """Every table owned by ``owner``; ``app`` may read and add everywhere, change and delete only
    where rows are not append-only, update only the ``redactable`` columns (table: columns) of
    the notes, and truncate nowhere."""
    redactable = redactable or {}
    o, a = sql.Identifier(owner), sql.Identifier(app)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(a),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(a),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(a),
        sql.SQL("ALTER FUNCTION lims_refuse_rewrite() OWNER TO {}").format(o),
        sql.SQL("ALTER FUNCTION lims_redact_only() OWNER TO {}").format(o),
    ]
    for table in tables:
        t = sql.Identifier(table)
        if table in redactable:
            rights = sql.SQL("SELECT, INSERT, UPDATE ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, redactable[table]))
            )
        elif table in append_only:
            rights = sql.SQL("SELECT, INSERT")
        else:
            rights = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
        statements += [
            sql.SQL("ALTER TABLE {} OWNER TO {}").format(t, o),
            sql.SQL("GRANT {} ON {} TO {}").format(rights, t, a),
        ]
    return statements


class Command(BaseCommand):
    help = (
        "Create (if missing) an owner role for migrations and an app role for the server on "
        "PostgreSQL, give the owner every table and the app SELECT/INSERT only on append-only "
        "tables (custody, history, signatures, checkpoints). Run as a superuser after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="lims_owner")
        parser.add_argument("--app", default="lims_app")

    def handle(self, *args, owner, app, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL; SQLite has no roles.")
        tables = connection.introspection.table_names()
        with transaction.atomic(), connection.cursor() as cursor:
            for role in (owner, app):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            redactable = {table: columns for table, (columns, _) in redactable_tables().items()}
            for statement in grants(owner, app, set(append_only_tables()), tables, redactable):
                cursor.execute(statement)
        self.stdout.write(
            f"{owner} owns {len(tables)} tables; {app} may not update, delete or truncate the "
            "append-only ones. Set passwords with ALTER ROLE, then DATABASE_URL for the app."
        )

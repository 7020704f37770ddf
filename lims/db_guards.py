"""Database triggers that make history (and other append-only tables) refuse UPDATE and DELETE.

The triggers stop the application, and anyone using its connection, from rewriting the record;
a database superuser can still drop them, which is why custody also carries a hash chain.
"""

from django.apps import apps
from django.db import connections

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lims_refuse_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def append_only_tables() -> list[str]:
    """History tables, plus every model that declares ``append_only = True``."""
    tables = []
    for model in apps.get_models():
        if hasattr(model, "instance_type") or getattr(model, "append_only", False):
            tables.append(model._meta.db_table)
    return sorted(tables)


def _trigger_name(table: str, operation: str) -> str:
    return f"lims_ao_{operation.lower()}_{table}"[:63]


def _statements_install(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f'CREATE OR REPLACE TRIGGER "{_trigger_name(table, op)}" BEFORE {op} ON "{table}" '
            f"FOR EACH {'STATEMENT' if op == 'TRUNCATE' else 'ROW'} "
            "EXECUTE FUNCTION lims_refuse_rewrite()"
            for op in ("UPDATE", "DELETE", "TRUNCATE")
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{_trigger_name(table, op)}" BEFORE {op} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"append-only guards are not written for {vendor}")


def _statements_remove(vendor: str, table: str) -> list[str]:
    operations = (
        ("UPDATE", "DELETE", "TRUNCATE") if vendor == "postgresql" else ("UPDATE", "DELETE")
    )
    on_table = f' ON "{table}"' if vendor == "postgresql" else ""
    return [f'DROP TRIGGER IF EXISTS "{_trigger_name(table, op)}"{on_table}' for op in operations]


def _existing_tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install_guards(using: str = "default") -> None:
    connection = connections[using]
    present = _existing_tables(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in append_only_tables():
            if table in present:
                for statement in _statements_install(connection.vendor, table):
                    cursor.execute(statement)


def remove_guards(using: str = "default") -> None:
    connection = connections[using]
    present = _existing_tables(connection)
    with connection.cursor() as cursor:
        for table in append_only_tables():
            if table in present:
                for statement in _statements_remove(connection.vendor, table):
                    cursor.execute(statement)


def install_guards_after_migrate(sender, using="default", **kwargs) -> None:
    install_guards(using)

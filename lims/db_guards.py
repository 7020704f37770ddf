"""Database triggers that make history (and other append-only tables) refuse UPDATE and DELETE,
and the notes' table refuse every UPDATE but blanking its redactable columns.

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

# The trigger's arguments name the redactable columns: every other column must stay as it was,
# and those may only be blanked.
_PG_REDACT_FUNCTION = """
CREATE OR REPLACE FUNCTION lims_redact_only() RETURNS trigger AS $$
DECLARE
    col text;
BEGIN
    IF (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION 'table % only allows redaction: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    FOREACH col IN ARRAY TG_ARGV LOOP
        IF to_jsonb(NEW) ->> col <> '' THEN
            RAISE EXCEPTION 'table % only allows blanking %', TG_TABLE_NAME, col
                USING ERRCODE = 'restrict_violation';
        END IF;
    END LOOP;
    RETURN NEW;
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


def redactable_tables() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Tables of models declaring ``redactable`` columns: (those columns, every other column)."""
    tables = {}
    for model in apps.get_models():
        if redactable := getattr(model, "redactable", ()):
            columns = tuple(field.column for field in model._meta.concrete_fields)
            tables[model._meta.db_table] = (
                tuple(redactable),
                tuple(column for column in columns if column not in redactable),
            )
    return dict(sorted(tables.items()))


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


def _statements_redact_only(vendor: str, table: str, redactable, others) -> list[str]:
    """DELETE and TRUNCATE refused as on an append-only table; UPDATE only to blank."""
    refusals = [
        statement
        for statement in _statements_install(vendor, table)
        if "BEFORE UPDATE" not in statement
    ]
    name = _trigger_name(table, "UPDATE")
    if vendor == "postgresql":
        arguments = ", ".join(f"'{column}'" for column in redactable)
        update = (
            f'CREATE OR REPLACE TRIGGER "{name}" BEFORE UPDATE ON "{table}" FOR EACH ROW '
            f"EXECUTE FUNCTION lims_redact_only({arguments})"
        )
    else:
        changed = " OR ".join(
            [f'NEW."{column}" IS NOT OLD."{column}"' for column in others]
            + [f"NEW.\"{column}\" <> ''" for column in redactable]
        )
        update = (
            f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE UPDATE ON "{table}" WHEN {changed} '
            f"BEGIN SELECT RAISE(ABORT, 'table {table} only allows redaction'); END"
        )
    return [*refusals, update]


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
            cursor.execute(_PG_REDACT_FUNCTION)
        for table in append_only_tables():
            if table in present:
                for statement in _statements_install(connection.vendor, table):
                    cursor.execute(statement)
        for table, (redactable, others) in redactable_tables().items():
            if table in present:
                for statement in _statements_redact_only(
                    connection.vendor, table, redactable, others
                ):
                    cursor.execute(statement)


def remove_guards(using: str = "default") -> None:
    connection = connections[using]
    present = _existing_tables(connection)
    with connection.cursor() as cursor:
        for table in [*append_only_tables(), *redactable_tables()]:
            if table in present:
                for statement in _statements_remove(connection.vendor, table):
                    cursor.execute(statement)


def install_guards_after_migrate(sender, using="default", **kwargs) -> None:
    install_guards(using)

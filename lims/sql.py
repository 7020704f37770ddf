"""Writes sent as SQL written here: where Django building the same statement on every request
costs more than the database's work (a scan's path)."""

from django.db import connections


def update_rows(model, objs: list, fields: list[str], *, using: str) -> None:
    """One parameterised UPDATE of ``fields`` by primary key, sent for every object (psycopg
    pipelines executemany); each value prepared by its own field, as save() would."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

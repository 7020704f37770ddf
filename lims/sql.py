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


def insert_rows(model, objs: list, *, using: str, skip_conflicts: bool = False) -> list:
    """One INSERT of ``objs`` (every concrete field but the generated key, each value prepared
    by its field as bulk_create would); each inserted object gets its key, and ``objs`` come
    back. ``skip_conflicts`` (one object only, refused before anything is written): a row that
    breaks a unique key is left out, and its object keeps no key (ON CONFLICT DO NOTHING, which
    PostgreSQL and SQLite both speak)."""
    if not objs:
        return objs
    if skip_conflicts and len(objs) != 1:
        # Which rows a conflict left out is not told: only a lone object can be answered.
        raise ValueError("skip_conflicts answers for one object at a time")
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * len(objs))}"
        f"{' ON CONFLICT DO NOTHING' if skip_conflicts else ''} RETURNING {quote(meta.pk.column)}"
    )
    values = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = [key for (key,) in cursor.fetchall()]
    if skip_conflicts and not keys:
        return objs
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, using
    return objs

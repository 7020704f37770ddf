"""Writes sent as SQL written here: where Django building the same statement on every request
costs more than the database's work (a scan's path), and where a step's writes go to the
database together (``together``: one statement on PostgreSQL)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Pending:
    """The key of a row held for insertion by ``together``, not known yet: a value another held
    row may take (a history row's ``id``), sent as a reference to the row."""

    __slots__ = ("obj", "row", "write")

    def __init__(self, obj, write: "_Insert", row: int) -> None:
        self.obj, self.write, self.row = obj, write, row

    def __repr__(self) -> str:
        return f"<key of a {type(self.obj).__name__} not inserted yet>"


class _Insert:
    __slots__ = ("alias", "columns", "key", "objs", "rows", "table", "using")

    def __init__(self, table, columns, rows, key, objs, using) -> None:
        self.table, self.columns, self.rows, self.key = table, columns, rows, key
        self.objs, self.using, self.alias = objs, using, ""

    def render(self, quote, value_sql) -> tuple[str, list]:
        params, tuples = [], []
        for row in self.rows:
            placed = []
            for value in row:
                sql, value_params = value_sql(value)
                placed.append(sql)
                params.extend(value_params)
            tuples.append(f"({', '.join(placed)})")
        sql = (
            f"INSERT INTO {quote(self.table)} ({', '.join(map(quote, self.columns))}) "
            f"VALUES {', '.join(tuples)} RETURNING {quote(self.key)}"
        )
        return sql, params

    def keys_taken(self, keys: list) -> None:
        for obj, key in zip(self.objs, keys, strict=True):
            obj.pk = key
            obj._state.adding, obj._state.db = False, self.using


class _Update:
    """One row's fields set by its key; ``casts``: the columns' types, then the key's."""

    __slots__ = ("alias", "casts", "columns", "key", "pk", "table", "values")

    def __init__(self, table, columns, values, key, pk, casts) -> None:
        self.table, self.columns, self.values, self.key, self.pk = table, columns, values, key, pk
        self.casts, self.alias = casts, ""

    def same_shape(self, other: "_Update") -> bool:
        return (self.table, self.columns, self.key) == (other.table, other.columns, other.key)

    def render(self, quote, value_sql) -> tuple[str, list]:
        params, assignments = [], []
        for column, value in zip(self.columns, self.values, strict=True):
            sql, value_params = value_sql(value)
            assignments.append(f"{quote(column)} = {sql}")
            params.extend(value_params)
        sql = (
            f"UPDATE {quote(self.table)} SET {', '.join(assignments)} WHERE {quote(self.key)} = %s"
        )
        return sql, [*params, self.pk]


class _Updates:
    """Rows of one table given the same fields, each its own values: one UPDATE joined to a
    VALUES list (typed, since PostgreSQL cannot tell a parameter's type there)."""

    __slots__ = ("alias", "updates")

    def __init__(self, updates: list[_Update]) -> None:
        self.updates, self.alias = updates, ""

    def render(self, quote, value_sql) -> tuple[str, list]:
        first = self.updates[0]
        params, tuples = [], []
        for update in self.updates:
            cells = []
            for value, cast in zip([*update.values, update.pk], first.casts, strict=True):
                sql, value_params = value_sql(value)
                cells.append(f"CAST({sql} AS {cast})")
                params.extend(value_params)
            tuples.append(f"({', '.join(cells)})")
        names = [f"c{n}" for n in range(len(first.columns))]
        table = quote(first.table)
        assignments = ", ".join(
            f"{quote(column)} = v.{name}" for column, name in zip(first.columns, names, strict=True)
        )
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join(tuples)}) "
            f"AS v ({', '.join(names)}, k) WHERE {table}.{quote(first.key)} = v.k"
        )
        return sql, params


def _grouped(writes: list) -> list:
    """``writes`` with each run of updates of one shape made one ``_Updates``."""
    grouped: list = []
    for write in writes:
        last = grouped[-1] if grouped else None
        if not isinstance(write, _Update):
            grouped.append(write)
        elif isinstance(last, _Updates) and write.same_shape(last.updates[0]):
            last.updates.append(write)
        else:
            grouped.append(_Updates([write]))
    return grouped


class _Statement:
    """An UPDATE written by the caller, whose answer nobody reads."""

    __slots__ = ("alias", "params", "sql")

    def __init__(self, sql: str, params: list) -> None:
        self.sql, self.params, self.alias = sql, params, ""

    def render(self, quote, value_sql) -> tuple[str, list]:
        return self.sql, self.params


class _Together:
    """The writes held on one connection, sent before any other statement runs on it (so every
    read sees them) and at the end of the block."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.writes: list = []
        self.updated: set = set()
        self.sending = False

    def before(self, execute, sql, params, many, context):
        if self.writes and not self.sending:
            self.send()
        return execute(sql, params, many, context)

    def hold(self, write, *, row_key=None) -> None:
        # PostgreSQL runs a WITH's statements on one snapshot, so a row written twice (or
        # inserted, then updated) must wait for the first write to be sent.
        if row_key is not None:
            if row_key in self.updated:
                self.send()
            self.updated.add(row_key)
        self.writes.append(write)

    def send(self) -> None:
        writes, self.writes, self.updated = self.writes, [], set()
        if not writes:
            return
        self.sending = True
        try:
            if self.connection.vendor == "postgresql" and len(writes) > 1:
                self._send_as_one(writes)
            else:
                _send_in_turn(self.connection, writes)
        except BaseException:
            _forget(writes)
            raise
        finally:
            self.sending = False

    def drop(self) -> None:
        writes, self.writes, self.updated = self.writes, [], set()
        _forget(writes)

    def _send_as_one(self, writes: list) -> None:
        """One statement: every write a data-modifying WITH query, the inserted keys read back
        in the order their rows were given (a sequence hands them out in that order)."""
        quote = self.connection.ops.quote_name
        writes = _grouped(writes)
        for n, write in enumerate(writes):
            write.alias = f"w{n}"

        def value_sql(value):
            if isinstance(value, Pending) and isinstance(value.obj.pk, Pending):
                key, alias = quote(value.write.key), value.write.alias
                return f"(SELECT {key} FROM {alias} ORDER BY {key} LIMIT 1 OFFSET {value.row})", ()
            return _known(value)

        parts, params = [], []
        for write in writes:
            sql, write_params = write.render(quote, value_sql)
            parts.append(f"{write.alias} AS ({sql})")
            params.extend(write_params)
        inserts = [write for write in writes if isinstance(write, _Insert)]
        answers = ", ".join(
            f"ARRAY(SELECT {quote(w.key)} FROM {w.alias} ORDER BY {quote(w.key)})" for w in inserts
        )
        with self.connection.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(parts)} SELECT {answers or '1'}", params)
            row = cursor.fetchone()
        for write, keys in zip(inserts, row, strict=False):
            write.keys_taken(keys)


def _forget(writes: list) -> None:
    """The objects of writes that failed together (or were dropped) hold no key, as before they
    were given: none of their rows stays written."""
    for write in writes:
        if isinstance(write, _Insert):
            for obj in write.objs:
                obj.pk = None
                obj._state.adding = True


def _send_in_turn(connection, writes: list) -> None:
    """Each write in its turn (rendered then, once the keys it refers to are known), the same
    UPDATE of several rows sent as one executemany."""
    if not writes:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        same_sql, rows = None, []
        for write in writes:
            sql, params = write.render(quote, _known)
            if isinstance(write, _Insert) or sql != same_sql:
                if rows:
                    cursor.executemany(same_sql, rows)
                same_sql, rows = None, []
            if isinstance(write, _Insert):
                cursor.execute(sql, params)
                write.keys_taken([key for (key,) in cursor.fetchall()])
            else:
                same_sql = sql
                rows.append(params)
        if rows:
            cursor.executemany(same_sql, rows)


def _known(value) -> tuple[str, tuple]:
    if isinstance(value, Pending):
        # Its row went in an earlier statement: the key is known now.
        value = value.obj.pk
    return "%s", (value,)


def _held(using: str) -> _Together | None:
    return getattr(connections[using], "lims_together", None)


def step_transaction(*, locked: bool) -> transaction.Atomic:
    """A service step's transaction. A caller that holds the step's locks (``locked``: a scan's
    view) holds them in its own transaction, which the step's error undoes: the step takes no
    savepoint of its own, two round trips fewer a scan. A caller that would catch the error and
    go on opens its own savepoint first (a keyed request's view does)."""
    return transaction.atomic(savepoint=not locked)


@contextmanager
def together(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the writes made through this module inside the block, and send them together when it
    ends: one statement on PostgreSQL (a WITH of data-modifying queries), one after another on
    SQLite. Any other statement sent meanwhile sends them first, so every read sees them.

    The block is atomic without a savepoint of its own: an exception leaving it drops what it
    held, and the enclosing transaction (or its savepoint) is rolled back, as though every held
    write had run. A constraint a held write breaks is raised when the block ends. Blocks nest:
    the outermost sends."""
    connection = connections[using]
    if _held(using) is not None:
        yield
        return
    with transaction.atomic(using=using, savepoint=False):
        held = _Together(connection)
        connection.lims_together = held
        try:
            with connection.execute_wrapper(held.before):
                yield
                held.send()
        except BaseException:
            held.drop()
            raise
        finally:
            connection.lims_together = None


def _prepared(field, value, connection):
    return value if isinstance(value, Pending) else field.get_db_prep_save(value, connection)


def update_rows(model, objs: list, fields: list[str], *, using: str) -> None:
    """One parameterised UPDATE of ``fields`` by primary key, sent for every object (one
    executemany, which psycopg pipelines); each value prepared by its own field, as save()
    would. Inside ``together``, held as one UPDATE per row."""
    connection = connections[using]
    meta = model._meta
    fields = [meta.get_field(name) for name in fields]
    columns = [field.column for field in fields]
    casts = [field.cast_db_type(connection) for field in [*fields, meta.pk]]
    held = _held(using)
    updates = []
    for obj in objs:
        if held is not None and isinstance(obj.pk, Pending):
            # Inserted by a write still held: its key must be known first.
            held.send()
        values = [_prepared(field, getattr(obj, field.attname), connection) for field in fields]
        update = _Update(meta.db_table, columns, values, meta.pk.column, obj.pk, casts)
        if held is None:
            updates.append(update)
        else:
            held.hold(update, row_key=(meta.db_table, obj.pk))
    _send_in_turn(connection, updates)


def update_later(sql: str, params: list, *, using: str) -> None:
    """An UPDATE whose answer nobody reads: held inside ``together``, sent now outside it."""
    held = _held(using)
    if held is not None:
        held.hold(_Statement(sql, list(params)))
        return
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def insert_rows(model, objs: list, *, using: str, skip_conflicts: bool = False) -> list:
    """One INSERT of ``objs`` (every concrete field but the generated key, each value prepared
    by its field as bulk_create would); each inserted object gets its key, and ``objs`` come
    back. Inside ``together`` the rows are held, and each object's key is ``Pending`` until
    they are sent. ``skip_conflicts`` (one object only, refused before anything is written;
    never held): a row that breaks a unique key is left out, and its object keeps no key (ON
    CONFLICT DO NOTHING, which PostgreSQL and SQLite both speak)."""
    if not objs:
        return objs
    if skip_conflicts and len(objs) != 1:
        # Which rows a conflict left out is not told: only a lone object can be answered.
        raise ValueError("skip_conflicts answers for one object at a time")
    connection = connections[using]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    for obj in objs:
        # As bulk_create does: a related object saved since it was assigned gives its key.
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    rows = [
        [_prepared(field, field.pre_save(obj, add=True), connection) for field in fields]
        for obj in objs
    ]
    write = _Insert(
        meta.db_table, [field.column for field in fields], rows, meta.pk.column, objs, using
    )
    held = _held(using)
    if held is not None and not skip_conflicts:
        held.hold(write)
        for n, obj in enumerate(objs):
            obj.pk = Pending(obj, write, n)
        return objs
    sql, params = write.render(connection.ops.quote_name, _known)
    if skip_conflicts:
        sql = sql.replace(" RETURNING ", " ON CONFLICT DO NOTHING RETURNING ", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [key for (key,) in cursor.fetchall()]
    if skip_conflicts and not keys:
        return objs
    write.keys_taken(keys)
    return objs

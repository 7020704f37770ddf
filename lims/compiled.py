"""Reads built and compiled once per process: a scan's statement costs the database's answer,
not the ORM's building and compiling of the same query on every request (issue 18).

It turns rows into instances with the compiler's own parts, as Django's ModelIterable does
(``klass_info``, the related populators, the converters): parts of Django 5.2 that are not
public API, which tests/lims/test_compiled.py and every scan path's tests hold to account when
Django is upgraded."""

import json
from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Lookup, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Distinct keys (scopes, in practice) kept; a process serves a bounded set of users' scopes.
_ENTRIES_KEPT = 512


class Given(Expression):
    """A value given at each call of a ``Compiled`` read, in the place the query takes it;
    ``many``: a list, for the ``any_of`` lookup (``barcode__any_of=Given(..., many=True)``)."""

    def __init__(self, name: str, output_field: Field, *, many: bool = False) -> None:
        super().__init__(output_field=output_field)
        self.name, self.many = name, many

    def as_sql(self, compiler, connection):
        # The parameter is this placeholder itself, replaced by the call's value at each run.
        return "%s", (self,)

    def bind(self, value, connection):
        if not self.many:
            return self.output_field.get_db_prep_value(value, connection)
        values = [self.output_field.get_db_prep_value(one, connection) for one in value]
        # PostgreSQL takes the list as an array; SQLite reads it with json_each.
        return values if connection.vendor == "postgresql" else json.dumps(values)


@Field.register_lookup
class AnyOf(Lookup):
    """``field IN (the values of one list parameter)``: the same SQL however many values a
    call gives, so a read of a batch compiles once (unlike ``__in``, one placeholder each)."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", (*lhs_params, *rhs_params)


class _Entry:
    """One compiled form of a read: its SQL, its parameters (``Given`` where a call's value
    goes) and what turning a row into instances needs, from the compiler that built it."""

    def __init__(self, queryset: QuerySet) -> None:
        compiler = queryset.query.get_compiler(queryset.db)
        self.sql, self.params = compiler.as_sql()
        self.compiler = compiler
        self.db = queryset.db
        # What results_iter() would work out again on every run.
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        if queryset._iterable_class is not ModelIterable:
            # A values_list() read: its rows are the answer.
            self.model = None
            return
        info = compiler.klass_info
        self.model = info["model"]
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        self.own = slice(first, last)
        self.init_list = [column[0].target.attname for column in compiler.select[self.own]]
        self.populators = get_related_populators(info, compiler.select, self.db)
        self.annotations = compiler.annotation_col_map

    def run(self, values: dict) -> list:
        connection = connections[self.db]
        params = [
            p.bind(values[p.name], connection) if isinstance(p, Given) else p for p in self.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.model is None:
            return [tuple(row) for row in rows]
        return [self._instance(row) for row in rows]

    def _instance(self, row) -> Model:
        instance = self.model.from_db(self.db, self.init_list, row[self.own])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations.items():
            setattr(instance, name, row[position])
        return instance


class Compiled:
    """A read whose queryset ``build(key)`` makes, with ``Given`` placeholders for the values
    that change from call to call: built and compiled on a key's first call, then only run.

    ``key`` must hold everything else the queryset depends on (a user's scope, say), and the
    queryset must read nothing that changes over time (no ``now()`` taken in Python): the same
    key gets the same SQL for the life of the process. Model instances come back as the
    queryset would make them (``select_related`` and annotations included); a
    ``values_list()`` queryset answers tuples.
    """

    def __init__(self, build: Callable[[Hashable], QuerySet]) -> None:
        self._build = build
        self._entries: dict[tuple, _Entry] = {}

    def __call__(self, key: Hashable = None, **values) -> list:
        alias = DEFAULT_DB_ALIAS
        index = (alias, connections[alias].vendor, key)
        entry = self._entries.get(index)
        if entry is None:
            entry = _Entry(self._build(key))
            if len(self._entries) >= _ENTRIES_KEPT:
                self._entries.clear()
            self._entries[index] = entry
        return entry.run(values)

    def first(self, key: Hashable = None, **values):
        """The first row of the read, or None."""
        rows = self(key, **values)
        return rows[0] if rows else None

"""Which database constraint an IntegrityError broke, told by the constraint's name."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models


def broken_constraint(error: IntegrityError, *instances: models.Model) -> str | None:
    """The name of the constraint that refused saving ``instances`` (of one model), or None.

    A constraint declared in ``Meta.constraints`` answers its name; a field's own ``unique``
    answers the field's name. PostgreSQL names the constraint in the error's diagnostics.
    SQLite names a unique constraint only by its columns, in an English sentence: the one
    constraint on exactly those columns answers; failing that, each constraint is asked whether
    an instance breaks it now (the refused write was undone to its savepoint and the row that
    won is visible). Call it outside the failed atomic block.
    """
    model = type(instances[0])
    declared = {constraint.name for constraint in model._meta.constraints}
    reported = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if reported in declared:
        return reported
    named = _named_by_columns(model, str(error))
    if named is not None:
        return named
    for instance in instances:
        for constraint in model._meta.constraints:
            try:
                constraint.validate(model, instance)
            except ValidationError:
                return constraint.name
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key and _taken(instance, field):
                return field.name
    return None


def _taken(instance: models.Model, field: models.Field) -> bool:
    value = getattr(instance, field.attname)
    others = type(instance)._default_manager.filter(**{field.attname: value})
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    return value is not None and others.exists()


_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def _named_by_columns(model: type[models.Model], message: str) -> str | None:
    """The unique constraint (or unique field) SQLite's message names by its columns, when
    exactly one has those columns."""
    if not message.startswith(_SQLITE_UNIQUE):
        return None
    columns = {
        name.strip().rsplit(".", 1)[-1] for name in message.removeprefix(_SQLITE_UNIQUE).split(",")
    }
    meta = model._meta
    candidates = [
        constraint.name
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and {meta.get_field(name).column for name in constraint.fields} == columns
    ]
    candidates += [
        field.name
        for field in meta.local_fields
        if field.unique and not field.primary_key and {field.column} == columns
    ]
    return candidates[0] if len(candidates) == 1 else None

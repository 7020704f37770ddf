"""Which database constraint an IntegrityError broke, told by the constraint's name."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models


def broken_constraint(error: IntegrityError, *instances: models.Model) -> str | None:
    """The name of the constraint that refused saving ``instances`` (of one model), or None.

    A constraint declared in ``Meta.constraints`` answers its name; a field's own ``unique``
    answers the field's name. PostgreSQL names the constraint in the error's diagnostics;
    SQLite names a unique constraint only by its columns, in an English sentence, so there each
    constraint is asked whether an instance breaks it now: the refused write was undone to its
    savepoint and the row that won is visible. Call it outside the failed atomic block.
    """
    model = type(instances[0])
    declared = {constraint.name for constraint in model._meta.constraints}
    reported = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if reported in declared:
        return reported
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

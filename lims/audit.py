"""Audit plumbing: history that always records who and why, and querysets that cannot bypass it.

A history row's reason may hold what a person typed, so it is kept as a note beside the row
(``lims.notes``): the row holds ``note:<salted digest>``, which an administrator's redaction
leaves verifiable. A reason in the system's own words (``said``) is kept in the row as is.
"""

from django.db import models
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords

from lims.errors import DomainError
from lims.sql import insert_rows, update_later, update_rows


class AuditBypassRefused(DomainError):
    """A write path that django-simple-history cannot see was used on an audited model."""

    code = "audit_bypass_refused"
    status = 500
    title = "Write would bypass the audit trail"


class AuditedQuerySet(models.QuerySet):
    """Refuses bulk writes: simple-history only sees save() and delete(), so these would leave
    changes with no who/when/why."""

    def _refuse(self, operation: str):
        raise AuditBypassRefused(
            f"{self.model._meta.label}.{operation}() writes no history; save each object instead."
        )

    def update(self, **kwargs):
        self._refuse("update")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update")

    def bulk_create(self, objs, *args, **kwargs):
        self._refuse("bulk_create")

    def update_unrecorded(self, **values) -> None:
        """UPDATE of fields history leaves out by design (derived data such as a box's count of
        taken slots), held inside ``lims.sql.together`` like the audited writes; any field
        history records is refused like update()."""
        recorded = {field.name for field in self.model.history.model._meta.fields}
        if recorded & set(values):
            self._refuse("update_unrecorded")
        query = self.query.chain(UpdateQuery)
        query.add_update_values(values)
        update_later(*query.get_compiler(self.db).as_sql(), using=self.db)

    def bulk_update_with_history(self, objs: list, fields: list[str], *, actor, reason: str):
        """The one sanctioned bulk write: one UPDATE for all ``objs`` and one history row each,
        with the acting user, the reason and the server's clock (held, inside
        ``lims.sql.together``, to go with the step's other writes)."""
        if not objs:
            return
        reason = self._kept(objs, reason)
        # One UPDATE sent for every row: Django's bulk_update builds a CASE expression per
        # field and row, which costs more than the database work.
        update_rows(self.model, objs, fields, using=self.db)
        self._record(objs, "~", actor=actor, reason=reason)

    def save_with_history(self, obj, *, actor, reason: str):
        """save() with its history row (an INSERT for a new object, else an UPDATE of every
        field), written as the bulk writes are: held inside ``lims.sql.together``."""
        if obj._state.adding:
            return self.bulk_create_with_history([obj], actor=actor, reason=reason)[0]
        fields = [field.name for field in self.model._meta.concrete_fields if not field.primary_key]
        self.bulk_update_with_history([obj], fields, actor=actor, reason=reason)
        return obj

    def bulk_create_with_history(self, objs: list, *, actor, reason: str) -> list:
        """The sanctioned bulk insert: one INSERT for all ``objs`` and one history row each (held
        inside ``lims.sql.together``: a history row then takes its object's key from the
        database in the same statement)."""
        reason = self._kept(objs, reason)
        created = insert_rows(self.model, objs, using=self.db)
        self._record(created, "+", actor=actor, reason=reason)
        return created

    def _kept(self, objs: list, reason: str | None) -> str | None:
        subject = self.model._meta.label
        if len(objs) == 1 and isinstance(objs[0].pk, int):
            subject = f"{subject}:{objs[0].pk}"
        return kept_reason(recorded_reason(reason), subject=subject)

    def _record(self, objs: list, history_type: str, *, actor, reason: str | None) -> None:
        # simple-history's bulk_history_create, with its rows inserted as lims.sql inserts.
        history = self.model.history.model
        now = timezone.now()
        for obj in objs:
            obj.__dict__.pop("_history_date", None)
            stamp(obj, actor=actor, reason=reason)
        rows = [
            history(
                history_date=now,
                history_user=actor,
                history_change_reason=reason,
                history_type=history_type,
                **{field.attname: getattr(obj, field.attname) for field in history.tracked_fields},
            )
            for obj in objs
        ]
        insert_rows(history, rows, using=self.db)


class LimsHistory(HistoricalRecords):
    """HistoricalRecords that never takes its timestamp from the caller, never cascades deletion,
    keeps the request's change reason with the service's, and skips saves that touch only
    excluded fields (for example ``last_login``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("cascade_delete_history", False)
        if kwargs["cascade_delete_history"]:
            raise ValueError("history is never deleted with its object")
        super().__init__(**kwargs)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        made = sender.__dict__.get(self.manager_name)
        if isinstance(made, HistoryDescriptor):
            setattr(sender, self.manager_name, _KeptHistoryDescriptor(made))

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def create_historical_record(self, instance, history_type, using=None):
        # The history date is the server's clock, whatever a caller left on the instance.
        instance.__dict__.pop("_history_date", None)
        super().create_historical_record(instance, history_type, using=using)

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = recorded_reason(
            super().get_change_reason_for_object(instance, history_type, using)
        )
        return kept_reason(reason, subject=f"{instance._meta.label}:{instance.pk}")


class _KeptHistoryDescriptor(HistoryDescriptor):
    """simple-history's ``Model.history``, with its manager class made once: the original makes
    a new class on every access, and every audited write reads it."""

    def __init__(self, made: HistoryDescriptor):
        super().__init__(made.model, manager=made.manager_class, queryset=made.queryset_class)
        self._manager = made.manager_class.from_queryset(made.queryset_class)

    def __get__(self, instance, owner):
        return self._manager(self.model, instance)


def recorded_reason(reason: str | None) -> str | None:
    """The history reason of a write: the service's own words, and the why the API request gave
    (``reason`` in the body or X-Change-Reason, see ``lims.api.base``) when those words do not
    already carry it, so that whatever a service records, the user's reason is kept."""
    request = getattr(HistoricalRecords.context, "request", None)
    given = getattr(request, "lims_change_reason", "")
    if not given or given in (reason or ""):
        return reason or given or None
    return f"{reason}: {given}" if reason else given


class SystemWords(str):
    """A reason in the system's own words (a verb, codes, a storage path), holding nothing a
    person typed: nothing in it could ever need redacting, so it needs no note."""


def said(words: str) -> SystemWords:
    """``words`` marked as the system's own (see SystemWords): composing them with anything
    else gives a plain string again, which is kept as a note."""
    return SystemWords(words)


def kept_reason(reason: str | None, *, subject: str) -> str | None:
    """The reason as a history row holds it: the system's own words as they are, anything else
    a reference to a note (``note:<digest>``)."""
    if isinstance(reason, SystemWords):
        return str(reason)
    # Imported here: lims.notes reads lims.models, which imports this module.
    from lims import notes

    return notes.reference(reason, subject=subject)


def guard_base_managers() -> None:
    """Give every audited model its refusing manager as the base manager as well.

    Django's base manager is a plain Manager unless a model names one, so
    ``Model._base_manager.update()`` would write with no history. Save, related access and
    refresh keep working: they read through it or use the private ``_update``."""
    from django.apps import apps

    for model in apps.get_models():
        manager = model._meta.default_manager
        if manager is not None and issubclass(manager._queryset_class, AuditedQuerySet):
            model._meta.base_manager_name = manager.name
            model._meta.__dict__.pop("base_manager", None)


def stamp(instance: models.Model, *, actor, reason: str | None) -> models.Model:
    """Attach the acting user and reason that the next save() records in history."""
    instance._history_user = actor
    instance._change_reason = reason
    return instance


def history_models() -> list[type[models.Model]]:
    """Every historical model the project defines (one per audited model)."""
    from django.apps import apps

    return [model for model in apps.get_models() if hasattr(model, "instance_type")]

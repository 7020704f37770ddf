"""Free text out of the append-only records: a note is kept beside them, and they commit to it
by a salted digest, so an administrator can redact it and every chain still verifies."""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from lims.errors import Conflict, Forbidden, InvalidInput, NotFound
from lims.free_text import require_reason
from lims.models import Note, NoteRedaction, User

# How a record refers to a note in place of its text (a custody detail, a history reason).
DIGEST_KEY = "salted_sha256"
REASON_PREFIX = "note:"
REDACTED = "[redacted]"


class NoteNotFound(NotFound):
    code = "note_not_found"
    title = "No such note"


class NoteAlreadyRedacted(Conflict):
    code = "note_already_redacted"
    title = "Note already redacted"


class RedactionForbidden(Forbidden):
    code = "redaction_forbidden"
    title = "Only an administrator may redact"


def digest(salt_hex: str, text: str) -> str:
    """``sha256(salt || text)``: the salt as its 16 bytes, the text as UTF-8, hex digest.

    The offline verifier (``specimens/verify_trail.py``, standard library only, which lims may
    not import) computes the same; tests/specimens/test_note_redaction.py holds them equal."""
    return hashlib.sha256(bytes.fromhex(salt_hex) + text.encode()).hexdigest()


def keep(text: str, *, subject: str = "") -> str:
    """Store ``text`` as a note and return its digest, for the record to hold instead."""
    salt = secrets.token_hex(16)
    note = Note.objects.create(salt=salt, text=text, digest=digest(salt, text), subject=subject)
    return note.digest


def reference(text: str | None, *, subject: str = "") -> str | None:
    """A history reason as the digest of a note holding it (``note:<digest>``)."""
    if not text or referenced(text):
        return text
    return refer(text, subject=subject)


def refer(text: str, *, subject: str = "") -> str:
    """``note:<digest>`` of a new note holding ``text``, whatever ``text`` looks like: what a
    field that holds a person's words (a tube's hold reason) stores in their place."""
    return f"{REASON_PREFIX}{keep(text, subject=subject)}"


def reason_shown(value: str | None, notes: dict[str, Note]) -> str | None:
    """A history reason or a noted field's value (``note:<digest>``) as a person reads it;
    anything else (system words, rows written before notes) is shown as it is."""
    ref = referenced(value)
    return shown(ref, notes).display if ref else value


def reason(record) -> str | None:
    """The reason of one history row, read (one query)."""
    value = record.history_change_reason
    return reason_shown(value, lookup([referenced(value)]))


def referenced(value) -> str | None:
    """The digest a custody detail value or a history reason refers to, or None for plain."""
    if isinstance(value, dict) and set(value) == {DIGEST_KEY}:
        return value[DIGEST_KEY]
    if isinstance(value, str) and value.startswith(REASON_PREFIX):
        return value.removeprefix(REASON_PREFIX)
    return None


def lookup(digests) -> dict[str, Note]:
    """The notes of ``digests`` with their redaction, in one query."""
    wanted = {d for d in digests if d}
    if not wanted:
        return {}
    return {note.digest: note for note in _notes(wanted)}


def _notes(digests: set[str]):
    return Note.objects.filter(digest__in=digests).select_related("redaction__actor")


def lookup_history(records: Iterable, fields: Iterable[str] = ()) -> dict[str, Note]:
    """The notes history rows refer to, by their reason and by the noted ``fields`` they copy
    (``noted_fields``), in one query."""
    return lookup(
        referenced(value)
        for record in records
        for value in (record.history_change_reason, *(getattr(record, f) for f in fields))
    )


class FieldText:
    """A model attribute reading the field ``field`` as a person reads it: the text of the note
    the field refers to (``note:<digest>``) or its redaction, or the field's own value when it
    holds system words. One query on first read; for a whole list, one query with
    ``prefetch_related(<attribute>)`` (it is a prefetcher, as Django's GenericForeignKey is)."""

    def __init__(self, field: str):
        self.field = field

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        ref = self._digest(instance)
        if ref is None:
            return getattr(instance, self.field)
        note = instance._state.fields_cache.get(self.name)
        # The field may have changed since its note was read (a new hold): read it again.
        if note is None or note.digest != ref:
            note = lookup([ref]).get(ref)
            instance._state.fields_cache[self.name] = note
        return shown(ref, {ref: note} if note else {}).display

    def _digest(self, instance) -> str | None:
        return referenced(getattr(instance, self.field))

    def is_cached(self, instance) -> bool:
        return self.name in instance._state.fields_cache

    def get_prefetch_querysets(self, instances, querysets=None):
        """Django's prefetch protocol: the notes of every instance's field, in one query
        (none when no instance's field refers to a note)."""
        digests = {self._digest(instance) for instance in instances} - {None}
        return (
            _notes(digests),
            lambda note: note.digest,
            self._digest,
            True,
            self.name,
            False,
        )


def noted_fields(model) -> list[str]:
    """The fields of ``model`` (or of the model a historical model records) that hold a note
    reference rather than text: those a ``FieldText`` of the model reads."""
    model = getattr(model, "instance_type", model)
    return [
        attribute.field for attribute in vars(model).values() if isinstance(attribute, FieldText)
    ]


@dataclass(frozen=True)
class Shown:
    """A note as every human-readable form shows it: the text, or who redacted it and why."""

    digest: str
    text: str
    salt: str
    redacted: str

    @property
    def display(self) -> str:
        return self.redacted or self.text

    def as_dict(self) -> dict:
        return {
            "digest": self.digest,
            "text": self.text,
            "salt": self.salt,
            "redacted": self.redacted,
        }


def shown(digest_hex: str, notes: dict[str, Note]) -> Shown:
    note = notes.get(digest_hex)
    if note is None:
        return Shown(digest_hex, REDACTED, "", "[note missing]")
    try:
        redaction = note.redaction
    except NoteRedaction.DoesNotExist:
        return Shown(note.digest, note.text, note.salt, "")
    when = redaction.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    said = f"redacted on {when} by {redaction.actor.get_username()}: {redaction.reason}"
    return Shown(note.digest, REDACTED, "", said)


def texts(details: dict, notes: dict[str, Note]) -> dict[str, dict]:
    """For each detail held as a note, what is shown beside its digest."""
    return {
        key: shown(ref, notes).as_dict()
        for key, value in (details or {}).items()
        if (ref := referenced(value))
    }


def readable(details: dict, notes: dict[str, Note]) -> dict:
    """``details`` as a person reads them: each note's text, or who redacted it, when and why."""
    return {
        key: shown(ref, notes).display if (ref := referenced(value)) else value
        for key, value in (details or {}).items()
    }


def read(details: dict) -> dict:
    """``readable`` for one record's details (one query)."""
    return readable(details, lookup(digests_in(details)))


def digests_in(details: dict) -> list[str]:
    return [ref for value in (details or {}).values() if (ref := referenced(value))]


@transaction.atomic
def redact(actor: User, note_id, *, reason: str, on_redacted=None) -> list[NoteRedaction]:
    """Wipe a note's text and salt (its digest stays, so the records holding it still verify),
    and those of every other note holding the same text (a step keeps its reason both in the
    custody event and in history), recording for each who, when and why. ``on_redacted``
    appends the audited event of the record that held each (the tube's custody chain) in the
    same transaction. The redaction of ``note_id`` comes first."""
    if not (actor.is_active and actor.is_superuser):
        raise RedactionForbidden("Only an administrator may redact a note; nothing was changed.")
    reason = require_reason(reason, action="redact this note")
    note = _note(note_id)
    if NoteRedaction.objects.filter(note=note).exists():
        raise NoteAlreadyRedacted(f"Note {note.pk} is already redacted; nothing was changed.")
    copies = (
        Note.objects.select_for_update(of=("self",))
        .filter(text=note.text, redaction__isnull=True)
        .exclude(pk=note.pk)
        .order_by("pk")
    )
    at = timezone.now()
    redactions = []
    for held in [note, *copies]:
        # Only the redactable columns, and only to blank: the database refuses anything else.
        Note.objects.filter(pk=held.pk).update(text="", salt="")
        redaction = NoteRedaction.objects.create(note=held, at=at, actor=actor, reason=reason)
        if on_redacted is not None:
            on_redacted(held, redaction)
        redactions.append(redaction)
    return redactions


def _note(note_id) -> Note:
    """The note of a number or a digest, locked for the redaction."""
    key = str(note_id).strip().lower()
    query = Note.objects.select_for_update()
    if key.isdigit():
        note = query.filter(pk=int(key)).first()
    elif len(key) == 64:
        note = query.filter(digest=key).first()
    else:
        raise InvalidInput(
            f"'{note_id}' is not a note: give its number or its 64-digit digest.",
            errors={"note": ["A number or a sha256 digest."]},
        )
    if note is None:
        raise NoteNotFound(f"No note {note_id}; nothing was changed.")
    return note

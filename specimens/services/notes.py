"""Redacting a note a tube's trail holds: the text goes, the digest stays in the chain, and a
``note_redacted`` event on the same trail says who redacted which event's note, when and why."""

from lims import notes
from lims.models import Note, NoteRedaction, User
from specimens import custody
from specimens.choices import CustodyKind
from specimens.models import Specimen


def note_redact(*, actor: User, note: int | str, reason: str) -> list[NoteRedaction]:
    """Redact note ``note`` (its number or digest) and every copy of its text; administrators
    only (docs/custody.md). The first redaction is that of ``note``."""
    return notes.redact(actor, note, reason=reason, on_redacted=_record_on_trail)


def _record_on_trail(note: Note, redaction: NoteRedaction) -> None:
    barcode, _, seq = note.subject.partition("#")
    specimen = Specimen.objects.filter(barcode=barcode).first() if seq.isdigit() else None
    if specimen is None:
        return
    (specimen,) = Specimen.objects.lock(specimen)
    event = custody.chain(
        specimen,
        kind=CustodyKind.NOTE_REDACTED,
        actor=redaction.actor,
        site=specimen.current_site,
        ref=f"event {seq}",
        details={"note": note.digest, "event": int(seq), "reason": redaction.reason},
        at=redaction.at,
    )
    event.save()
    # The chain head is derived data history leaves out (as every custody step does).
    Specimen.objects.filter(pk=specimen.pk).update_unrecorded(
        custody_seq=specimen.custody_seq, custody_head=specimen.custody_head
    )

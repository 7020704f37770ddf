"""A tube's hold reason that a person typed becomes a note: the tube's row then holds
``note:<digest>`` (lims.notes), as every hold written since does, so a redaction reaches it.

Only the tubes' rows change. Their history rows are append-only (the database refuses to update
them, and a signed checkpoint covers them) and stay as they were: a history row written before
this migration still holds the typed text, which a redaction cannot reach (docs/custody.md).
"""

import secrets

from django.db import migrations

from lims.notes import REASON_PREFIX, REDACTED, digest

# The system's own hold words when this migration was written (a tube found damaged at receipt,
# a participant's withdrawal with destruction): nothing a person typed, kept as they are.
SYSTEM_WORDS = ["damaged in transit", "consent withdrawn: destruction requested"]


def typed_reasons_to_notes(apps, schema_editor):
    Specimen = apps.get_model("specimens", "Specimen")
    Note = apps.get_model("lims", "Note")
    typed = Specimen.objects.exclude(hold_reason="").exclude(hold_reason__in=SYSTEM_WORDS)
    for pk, barcode, text in list(typed.values_list("pk", "barcode", "hold_reason")):
        salt = secrets.token_hex(16)
        note = Note.objects.create(
            salt=salt, text=text, digest=digest(salt, text), subject=f"{barcode}:hold_reason"
        )
        Specimen.objects.filter(pk=pk).update(hold_reason=f"{REASON_PREFIX}{note.digest}")


def notes_to_typed_reasons(apps, schema_editor):
    """Back to the text (a redacted note's text is gone: its tube reads ``[redacted]``)."""
    Specimen = apps.get_model("specimens", "Specimen")
    Note = apps.get_model("lims", "Note")
    noted = Specimen.objects.filter(hold_reason__startswith=REASON_PREFIX)
    for pk, reference in list(noted.values_list("pk", "hold_reason")):
        note = Note.objects.filter(digest=reference.removeprefix(REASON_PREFIX)).first()
        text = note.text if note is not None and note.text else REDACTED
        Specimen.objects.filter(pk=pk).update(hold_reason=text)


class Migration(migrations.Migration):
    dependencies = [
        ("lims", "0003_notes_out_of_chain"),
        ("specimens", "0010_custody_kind_note_redacted"),
    ]

    operations = [migrations.RunPython(typed_reasons_to_notes, notes_to_typed_reasons)]

"""Free text out of the chain: a redacted note leaves its salted digest, every chain still
verifies (on the server and offline), and the redaction is shown where the note was."""

import html
import io
import json

import pypdfium2
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from lims import notes
from lims.models import Note, NoteRedaction
from specimens import custody, services
from specimens.models import CustodyEvent
from specimens.verify_trail import note_digest
from tests.helpers import admin_browser, assert_problem, make_user
from tests.specimens.helpers import export

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


NAME_IN_NOTE = "cap loose"
WHY = "the note named the participant's nurse"


@pytest.fixture
def root(db):
    return make_user("root", is_superuser=True, is_staff=True)


def held_note(tube) -> Note:
    held = tube.custody_events.get(kind="held")
    return Note.objects.get(digest=held.details["reason"][notes.DIGEST_KEY])


def unchanged(tube, note: Note) -> bool:
    note_now = Note.objects.get(pk=note.pk)
    return (
        (note_now.text, note_now.salt) == (note.text, note.salt)
        and not NoteRedaction.objects.exists()
        and tube.custody_events.count() == 4
    )


def test_the_chain_holds_the_salted_digest_not_the_text(tube):
    held = tube.custody_events.get(kind="held")
    note = held_note(tube)
    assert held.version == 3
    assert NAME_IN_NOTE not in json.dumps(held.details)
    assert note.text == NAME_IN_NOTE and len(note.salt) == 32
    # The server's digest and the offline verifier's are one formula.
    assert note.digest == notes.digest(note.salt, note.text) == note_digest(note.salt, note.text)


def test_an_administrator_redacts_and_every_form_of_the_trail_shows_it(
    api,
    root,
    phleb_north,
    tube,
    verifier,
    tmp_path,
):
    note = held_note(tube)
    answer = api(root).post(f"/api/v1/notes/{note.digest}/redact/", {"reason": WHY}, format="json")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["note"], answer.json()["redacted_by"]) == (note.pk, "root")
    # The hold kept its reason three times, in the event, as its history reason and as the
    # tube's hold reason (which its history row copies by reference): all go.
    held_row = tube.history.exclude(hold_reason="").get()
    copies = [held_row.hold_reason, held_row.history_change_reason]
    assert sorted(answer.json()["copies"], key=lambda copy: copy["note"]) == [
        {"note": copy.pk, "digest": copy.digest}
        for copy in Note.objects.filter(digest__in=map(notes.referenced, copies)).order_by("pk")
    ]
    assert not Note.objects.filter(text=NAME_IN_NOTE).exists()

    note.refresh_from_db()
    assert (note.text, note.salt) == ("", "")
    redaction = NoteRedaction.objects.get(note=note)
    assert (redaction.actor, redaction.reason) == (root, WHY)
    # The redaction is itself an event of the tube's trail, naming the event whose note went.
    audited = tube.custody_events.order_by("seq").last()
    assert (audited.kind, audited.actor, audited.details["event"]) == ("note_redacted", root, 3)
    assert audited.details["note"] == note.digest

    assert custody.verify().ok
    out = io.StringIO()
    call_command("verify_custody", stdout=out)
    assert out.getvalue().startswith("OK: ")

    said = f"redacted on {redaction.at:%Y-%m-%d %H:%M} UTC by root: {WHY}"
    trail = api(phleb_north).get(f"/api/v1/specimens/{tube.barcode}/custody/").json()
    assert trail[2]["texts"]["reason"] == {
        "digest": note.digest,
        "text": "[redacted]",
        "salt": "",
        "redacted": said,
    }
    for fmt in ("jsonl", "csv"):
        exported = export(api(phleb_north), tube, fmt, tmp_path / f"trail.{fmt}")
        content = exported.read_text(encoding="utf-8")
        assert NAME_IN_NOTE not in content and "[redacted]" in content
        checked = verifier(exported)
        assert checked.returncode == 0, checked.stdout
        assert "OK: 5 events of 1 tubes checked" in checked.stdout

    browser = admin_browser(root)
    report = browser.get(f"/tubes/{tube.barcode}/custody.pdf")
    printed = " ".join(pdf_text(report.content).split())
    trail, history = printed.split("Custody trail")[1].split("Field history")
    assert f"reason={said}" in trail and NAME_IN_NOTE not in trail
    # The history reason is redacted too, and so is the hold reason the history rows copy.
    assert said in history and NAME_IN_NOTE not in history

    page = html.unescape(browser.get(f"/tubes/{tube.barcode}").content.decode())
    timeline = page.split('id="trail-h"')[1].split("</section>")[0]
    assert said in timeline and NAME_IN_NOTE not in page
    assert f"hold_reason: — → {said}" in page and f"hold_reason: {said} → —" in page


def test_the_command_redacts_with_a_reason(root, tube):
    note = held_note(tube)
    out = io.StringIO()
    call_command("redact_note", str(note.pk), reason=WHY, user="root", stdout=out)
    assert f"Note {note.pk} (and 2 copies of its text) redacted by root" in out.getvalue()
    assert Note.objects.get(pk=note.pk).text == ""
    assert custody.verify().ok


@pytest.mark.parametrize(
    ("note_id", "reason", "message"),
    [
        ("999999", WHY, "note_not_found"),
        ("not-a-note", WHY, "invalid"),
        ("held", "  ", "reason_required"),
    ],
)
def test_the_command_refuses_bad_input_and_changes_nothing(root, tube, note_id, reason, message):
    note = held_note(tube)
    with pytest.raises(CommandError, match=message):
        call_command(
            "redact_note",
            str(note.pk) if note_id == "held" else note_id,
            reason=reason,
            user="root",
        )
    assert unchanged(tube, note)


def test_someone_not_an_administrator_is_refused_and_nothing_changes(
    api,
    phleb_north,
    tube,
):
    note = held_note(tube)
    answer = api(phleb_north).post(
        f"/api/v1/notes/{note.pk}/redact/", {"reason": WHY}, format="json"
    )
    assert_problem(answer, 403, "redaction_forbidden")
    assert unchanged(tube, note)


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("999999", {"reason": WHY}, 404, "note_not_found"),
        ("abc", {"reason": WHY}, 400, "invalid"),
        ("held", {}, 400, "reason_required"),
        ("held", {"reason": ""}, 400, "reason_required"),
        (
            "held",
            {"reason": "call Maria Alvarez on 555-867-5309"},
            400,
            "possible_identifier_in_text",
        ),
    ],
)
def test_bad_input_is_refused_with_a_problem_and_nothing_changes(
    api,
    root,
    tube,
    path,
    body,
    status,
    code,
):
    note = held_note(tube)
    target = note.pk if path == "held" else path
    answer = api(root).post(f"/api/v1/notes/{target}/redact/", body, format="json")
    assert_problem(answer, status, code)
    assert unchanged(tube, note)


def test_a_note_is_redacted_once(api, root, tube):
    note = held_note(tube)
    services.note_redact(actor=root, note=note.pk, reason=WHY)
    again = api(root).post(f"/api/v1/notes/{note.pk}/redact/", {"reason": WHY}, format="json")
    assert_problem(again, 409, "note_already_redacted")
    assert NoteRedaction.objects.count() == 3
    assert tube.custody_events.filter(kind="note_redacted").count() == 1


def test_the_admin_action_redacts_with_the_reason_given(root, tube):
    note = held_note(tube)
    browser = admin_browser(root)
    refused = browser.post(
        "/admin/lims/note/",
        {"action": "redact", "_selected_action": [note.pk], "reason": ""},
        follow=True,
    )
    assert (
        "A reason is required" in refused.content.decode() or "Say why" in refused.content.decode()
    )
    assert unchanged(tube, note)
    browser.post(
        "/admin/lims/note/",
        {"action": "redact", "_selected_action": [note.pk], "reason": WHY},
    )
    assert NoteRedaction.objects.get(note=note).reason == WHY


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lims_note SET text = 'rewritten'",
        "UPDATE lims_note SET digest = 'x', text = ''",
        "UPDATE lims_note SET subject = 'elsewhere'",
        "DELETE FROM lims_note",
    ],
)
def test_the_database_allows_nothing_but_blanking_a_note(tube, statement):
    note = held_note(tube)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert unchanged(tube, note)
    assert CustodyEvent.objects.count() == 4


def test_a_history_reason_is_a_note_and_its_redaction_leaves_the_checkpoint_valid(
    root, tube, tmp_path, settings
):
    """The history row holds the reason's digest, which the checkpoint's history leaf signs."""
    from specimens import checkpoints, selectors

    record = tube.history.exclude(hold_reason="").get()
    assert record.history_change_reason.startswith(notes.REASON_PREFIX)
    assert record.hold_reason.startswith(notes.REASON_PREFIX)
    assert notes.reason(record) == "cap loose"
    key = tmp_path / "key.pem"
    checkpoints.generate_key(key)
    settings.LIMS_CHECKPOINT_KEY_FILE = str(key)
    checkpoints.make(tmp_path / "cp")

    services.note_redact(
        actor=root, note=notes.referenced(record.history_change_reason), reason=WHY
    )
    history = list(selectors.field_history(tube))
    shown = [entry["reason"] for entry in history]
    assert "cap loose" not in json.dumps(history, default=str)
    assert any(
        reason.startswith("redacted on ") and reason.endswith(f"by root: {WHY}") for reason in shown
    )
    # A history note belongs to no tube's trail, nor does the tube's hold reason: the redaction
    # row is their record; their copy in the hold's custody event is redacted with them, on the
    # trail.
    assert NoteRedaction.objects.count() == 3
    audited = tube.custody_events.get(kind="note_redacted")
    assert audited.details["event"] == tube.custody_events.get(kind="held").seq
    _, result = checkpoints.verify_all(tmp_path / "cp")
    assert result.ok, result.breaks

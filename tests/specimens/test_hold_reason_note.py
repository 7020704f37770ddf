"""A tube's hold reason is a note: the tube's row and its history hold ``note:<digest>``, never
the typed text; every form shows the text until an administrator redacts it, then the
redaction; the system's own hold words stay as they are."""

import html
import importlib
import io
import json

import pypdfium2
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from lims import notes
from lims.models import Note, NoteRedaction
from specimens import custody, services
from specimens.models import Specimen
from tests.helpers import admin_browser, assert_problem, make_user
from tests.specimens.helpers import chain_state, export

pytestmark = pytest.mark.django_db

TYPED = "cap loose on arrival"
WHY = "the reason named the participant's nurse"
SPECIMENS = "/api/v1/specimens/"


@pytest.fixture
def root(db):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def order(make_order, phleb_north, an_hour_ago):
    return services.order_collect(
        actor=phleb_north, order=make_order("1UR10", "1SAL"), collected_at=an_hour_ago
    )


@pytest.fixture
def held(api, phleb_north, order):
    """The urine tube of ``order``, put on hold through the API with the reason TYPED."""
    tube = order.specimens.get(type__code="1UR10")
    answer = api(phleb_north).post(f"{SPECIMENS}{tube.barcode}/hold/", {"reason": TYPED})
    assert answer.status_code == 200, answer.content
    return Specimen.objects.get(pk=tube.pk)


def raw_rows(model, pk: int) -> str:
    """Every column of the rows of ``model``'s table for object ``pk``, as the database holds
    them (the tube's own row, or each of its history rows)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} WHERE id = %s", [pk])
        return json.dumps(cursor.fetchall(), default=str)


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    return " ".join(" ".join(page.get_textpage().get_text_range() for page in document).split())


def redact_hold_note(api, root, tube) -> str:
    """Redact the note the tube's hold reason refers to, through the API; what is shown since."""
    digest = notes.referenced(Specimen.objects.get(pk=tube.pk).hold_reason)
    answer = api(root).post(f"/api/v1/notes/{digest}/redact/", {"reason": WHY}, format="json")
    assert answer.status_code == 200, answer.content
    # The same reason is in the held event and is the history row's reason: both go with it.
    assert len(answer.json()["copies"]) == 2
    redaction = NoteRedaction.objects.get(note__digest=digest)
    return f"redacted on {redaction.at:%Y-%m-%d %H:%M} UTC by root: {WHY}"


def every_form(api, client, who, holder, tube) -> dict[str, str]:
    """Each human-readable form of the tube that may show its hold reason, by name, as ``who``
    reads it, and ``holder``'s refused second hold."""
    client.force_login(who)
    barcode = tube.barcode
    reader = api(who)
    refused = api(holder).post(f"{SPECIMENS}{barcode}/hold/", {"reason": "again"})
    return {
        "api": json.dumps(reader.get(f"{SPECIMENS}{barcode}/").json()),
        "list": json.dumps(reader.get(f"{SPECIMENS}?on_hold=true").json()),
        "history": json.dumps(reader.get(f"{SPECIMENS}{barcode}/history/").json()),
        "history csv": reader.get(f"{SPECIMENS}{barcode}/history/?format=csv").getvalue().decode(),
        "custody csv": reader.get(f"{SPECIMENS}{barcode}/custody/?format=csv").getvalue().decode(),
        "page": html.unescape(client.get(f"/tubes/{barcode}").content.decode()),
        "pdf": pdf_text(client.get(f"/tubes/{barcode}/custody.pdf").content),
        "refusal": assert_problem(refused, 409, "specimen_on_hold")["detail"],
    }


def admin_forms(root, tube) -> dict[str, str]:
    browser = admin_browser(root)
    pages = {
        "admin list": "/admin/specimens/specimen/",
        "admin tube": f"/admin/specimens/specimen/{tube.pk}/change/",
        "admin history": f"/admin/specimens/specimen/{tube.pk}/history/",
    }
    return {name: html.unescape(browser.get(url).content.decode()) for name, url in pages.items()}


def test_the_typed_reason_is_in_no_row_of_the_tube_nor_of_its_history(held):
    assert held.hold_reason.startswith(notes.REASON_PREFIX)
    note = Note.objects.get(digest=notes.referenced(held.hold_reason))
    assert (note.text, note.subject) == (TYPED, f"{held.barcode}:hold_reason")
    assert TYPED not in raw_rows(Specimen, held.pk)
    history = raw_rows(Specimen.history.model, held.pk)
    assert held.hold_reason in history and TYPED not in history


def test_a_reason_that_looks_like_a_reference_is_still_kept_as_a_note(api, phleb_north, order):
    tube = order.specimens.get(type__code="1SAL")
    typed = "note: see the label"
    answer = api(phleb_north).post(f"{SPECIMENS}{tube.barcode}/hold/", {"reason": typed})
    assert answer.json()["hold_reason"] == typed
    assert Note.objects.get(digest=notes.referenced(Specimen.objects.get(pk=tube.pk).hold_reason))


def test_every_form_shows_the_typed_reason(api, client, auditor, phleb_north, root, held):
    forms = every_form(api, client, auditor, phleb_north, held)
    assert json.loads(forms["api"])["hold_reason"] == TYPED
    assert [t["hold_reason"] for t in json.loads(forms["list"])["results"]] == [TYPED]
    changed = json.loads(forms["history"])[-1]
    assert {"field": "hold_reason", "old": "", "new": TYPED} in changed["changes"]
    assert f"on hold: {TYPED}" in forms["page"]
    assert f"hold_reason: — → {TYPED}" in forms["page"]
    assert f"is on hold ({TYPED})" in forms["refusal"]
    for name in ("history csv", "custody csv", "pdf"):
        assert TYPED in forms[name], name
    for name, page in admin_forms(root, held).items():
        assert TYPED in page, name
    for name, shown in forms.items():
        assert held.hold_reason not in shown, name


def test_after_a_redaction_no_form_shows_the_reason_and_every_chain_verifies(
    api, client, auditor, phleb_north, root, held, tmp_path, verifier
):
    said = redact_hold_note(api, root, held)
    forms = every_form(api, client, auditor, phleb_north, held)
    forms.update(admin_forms(root, held))
    for fmt in ("jsonl", "csv"):
        exported = export(api(auditor), held, fmt, tmp_path / f"trail.{fmt}")
        forms[f"custody {fmt} file"] = exported.read_text(encoding="utf-8")
        assert verifier(exported).returncode == 0
    for name, shown in forms.items():
        assert TYPED not in shown, name
        assert held.hold_reason not in shown, name
    assert json.loads(forms["api"])["hold_reason"] == said
    assert [t["hold_reason"] for t in json.loads(forms["list"])["results"]] == [said]
    changed = json.loads(forms["history"])[-1]
    assert {"field": "hold_reason", "old": "", "new": said} in changed["changes"]
    assert f"on hold: {said}" in forms["page"] and f"hold_reason: — → {said}" in forms["page"]
    assert f"is on hold ({said})" in forms["refusal"]
    assert said in forms["pdf"] and said in forms["admin list"] and said in forms["admin history"]
    # Still on hold: only the words went.
    assert Specimen.objects.get(pk=held.pk).on_hold
    assert custody.verify().ok
    out = io.StringIO()
    call_command("verify_custody", stdout=out)
    assert out.getvalue().startswith("OK: ")


def test_the_on_hold_filter_finds_a_held_tube_and_release_clears_its_reason(api, phleb_north, held):
    client = api(phleb_north)
    assert [t["id"] for t in client.get(f"{SPECIMENS}?on_hold=true").json()["results"]] == [
        held.barcode
    ]
    assert client.get(f"{SPECIMENS}?on_hold=false").json()["count"] == 1
    released = client.post(f"{SPECIMENS}{held.barcode}/release/", {"reason": "recapped"})
    assert released.json()["hold_reason"] == ""
    assert Specimen.objects.get(pk=held.pk).hold_reason == ""
    assert client.get(f"{SPECIMENS}?on_hold=true").json()["count"] == 0
    last = client.get(f"{SPECIMENS}{held.barcode}/history/").json()[-1]
    assert {"field": "hold_reason", "old": TYPED, "new": ""} in last["changes"]


def test_a_withdrawal_hold_keeps_the_systems_words(api, phleb_north, held, order):
    answer = api(phleb_north).post(
        "/api/v1/participants/P000000001/withdraw/",
        {"destroy_samples": True, "ceremony": "no", "reason": "asked by phone"},
    )
    assert answer.status_code == 200, answer.content
    saliva = order.specimens.get(type__code="1SAL")
    assert saliva.hold_reason == services.WITHDRAWAL_HOLD
    shown = {
        t["id"]: t["hold_reason"]
        for t in api(phleb_north).get(f"{SPECIMENS}?on_hold=true").json()["results"]
    }
    # The tube held before keeps its own reason; the other is held in the system's words.
    assert shown == {held.barcode: TYPED, saliva.barcode: services.WITHDRAWAL_HOLD}
    last = api(phleb_north).get(f"{SPECIMENS}{saliva.barcode}/history/").json()[-1]
    assert {"field": "hold_reason", "old": "", "new": services.WITHDRAWAL_HOLD} in last["changes"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "reason_required"),
        ({"reason": "   "}, "reason_required"),
        ({"reason": "call Maria Alvarez on 555-867-5309"}, "possible_identifier_in_text"),
    ],
)
def test_a_bad_reason_is_refused_and_nothing_changes(api, phleb_north, order, body, code):
    tube = order.specimens.get(type__code="1UR10")
    before = (chain_state(), Note.objects.count(), Specimen.history.count())
    answer = api(phleb_north).post(f"{SPECIMENS}{tube.barcode}/hold/", body, format="json")
    assert_problem(answer, 400, code)
    assert (chain_state(), Note.objects.count(), Specimen.history.count()) == before


def test_holding_a_held_tube_again_writes_no_note(api, phleb_north, held):
    before = (chain_state(), Note.objects.count())
    again = api(phleb_north).post(f"{SPECIMENS}{held.barcode}/hold/", {"reason": "twice"})
    assert_problem(again, 409, "specimen_on_hold")
    assert (chain_state(), Note.objects.count()) == before


def test_lists_read_every_hold_reason_in_one_query(api, phleb_north, make_order):
    client = api(phleb_north)

    def hold_every_tube(order) -> None:
        for n, tube in enumerate(order.specimens.all()):
            services.specimen_hold(actor=phleb_north, specimen=tube, reason=f"{TYPED} {n}")

    hold_every_tube(make_order("1UR10", "1ED10"))
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            listed = client.get(SPECIMENS).json()["results"]
            assert client.get("/api/v1/orders/").status_code == 200
        counts.append(len(queries))
        for _ in range(3):
            hold_every_tube(make_order("1SST8", "1PST8", "1UR90"))
    assert counts[0] == counts[1]
    reasons = {f"{TYPED} {n}" for n in range(3)}
    assert {tube["hold_reason"] for tube in listed} == reasons
    orders = client.get("/api/v1/orders/").json()["results"]
    assert {tube["hold_reason"] for o in orders for tube in o["specimens"]} == reasons


def test_the_migration_moves_typed_reasons_of_tubes_into_notes(api, phleb_north, order):
    """Tubes held before hold reasons were notes hold the text; their history stays as it was."""
    migration = importlib.import_module("specimens.migrations.0011_hold_reason_as_note")
    state = MigrationLoader(connection).project_state(("specimens", "0011_hold_reason_as_note"))
    rows = state.apps.get_model("specimens", "Specimen").objects
    urine, saliva = (order.specimens.get(type__code=code) for code in ("1UR10", "1SAL"))
    rows.filter(pk=urine.pk).update(hold_reason=TYPED)
    rows.filter(pk=saliva.pk).update(hold_reason="damaged in transit")
    history = raw_rows(Specimen.history.model, urine.pk)

    migration.typed_reasons_to_notes(state.apps, None)
    urine, saliva = (Specimen.objects.get(pk=tube.pk) for tube in (urine, saliva))
    assert Note.objects.get(digest=notes.referenced(urine.hold_reason)).text == TYPED
    assert saliva.hold_reason == "damaged in transit"
    assert raw_rows(Specimen.history.model, urine.pk) == history
    assert api(phleb_north).get(f"{SPECIMENS}{urine.barcode}/").json()["hold_reason"] == TYPED

    migration.notes_to_typed_reasons(state.apps, None)
    assert Specimen.objects.get(pk=urine.pk).hold_reason == TYPED

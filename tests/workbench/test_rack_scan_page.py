"""The rack-scan import page: a file is verified as a grid diff, then applied with a reason;
an unreadable file, a file of another grid and unknown tubes are alerts that change nothing."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from freezers.models import Placement
from freezers.services import place_specimen
from specimens.models import CustodyEvent
from tests.freezers.helpers import storage_state
from tests.freezers.test_rack_scan import scan_file

pytestmark = pytest.mark.django_db


def upload(page, box, text, **fields):
    data = text.encode() if isinstance(text, str) else text
    return page.post(
        f"/storage/boxes/{box.code}/rack-scan",
        {"file": SimpleUploadedFile("scan.csv", data, content_type="text/csv"), **fields},
    )


def answers(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def stored(tech, box, aliquots):
    """A1 stored in the box; a second tube stored at A2, a third received and not stored."""
    a1, a2, loose = aliquots(3)
    place_specimen(actor=tech, specimen=a1, box=box, position="A1")
    place_specimen(actor=tech, specimen=a2, box=box, position="A2")
    return a1, a2, loose


def test_verify_draws_the_diff_then_apply_with_a_reason_places_the_tubes(
    page_for, tech, box, stored
):
    a1, a2, loose = stored
    page = page_for(tech)
    text = scan_file(box, {"A1": a1.barcode, "B5": a2.barcode, "C3": loose.barcode})
    before = storage_state()
    body = answers(upload(page, box, text))
    assert storage_state() == before
    assert 'role="status"' in body
    assert f"Scan of {box.code} verified: 1 match, 2 to place, 1 missing." in body
    assert body.count('<td class="slot diff-') == 81
    assert 'class="slot diff-match" title="A1: as recorded' in body
    assert 'class="slot diff-moved" title="B5: moved here from another slot' in body
    assert 'class="slot diff-moved" title="C3: tube not in storage, in a slot recorded' in body
    assert "missing" in body and "unknown or unreadable" in body  # the legend
    assert 'class="slot diff-missing" title="A2: missing: the recorded tube was not seen' in body
    assert "Differences (3)" in body and f"<code>{loose.barcode}</code>" in body
    assert 'name="text"' in body

    url = f"/storage/boxes/{box.code}/rack-scan"
    refused = answers(page.post(url, {"text": text, "apply": "1"}))
    assert 'role="alert"' in refused and "Say why you apply the rack scan" in refused
    # The refusal keeps the verification and the file, to apply once a reason is given.
    assert 'class="slot diff-missing"' in refused and 'name="text"' in refused
    assert storage_state() == before

    done = page.post(
        f"/storage/boxes/{box.code}/rack-scan",
        {"text": text, "apply": "1", "reason": "quarterly audit"},
    )
    assert done.status_code == 200
    assert f"Rack scan of {box.code} applied: 2 tube(s) placed." in answers(done)
    slots = dict(Placement.objects.filter(box=box).values_list("specimen_id", "row"))
    assert slots == {a1.pk: 1, a2.pk: 2, loose.pk: 3}
    moved = CustodyEvent.objects.filter(specimen=a2).latest("seq")
    assert (moved.kind, moved.details["reason"]) == ("moved", "quarterly audit")
    history = Placement.history.filter(specimen_id=loose.pk).latest("history_date")
    assert history.history_change_reason.endswith("(quarterly audit)")


def test_a_reason_that_names_a_person_is_refused(page_for, tech, box, stored):
    a1, a2, loose = stored
    text = scan_file(box, {"A1": a1.barcode, "A2": a2.barcode, "C3": loose.barcode})
    before = storage_state()
    response = page_for(tech).post(
        f"/storage/boxes/{box.code}/rack-scan",
        {"text": text, "apply": "1", "reason": "call jane.doe@example.org"},
    )
    assert response.status_code == 400 and 'role="alert"' in answers(response)
    assert storage_state() == before


def test_unknown_tubes_are_shown_and_refused_on_apply(page_for, tech, box, stored):
    a1, a2, _loose = stored
    text = scan_file(box, {"A1": a1.barcode, "A2": a2.barcode, "D4": "BX9999999Z", "D5": "NO READ"})
    page = page_for(tech)
    before = storage_state()
    body = answers(upload(page, box, text))
    assert "2 unknown or unreadable: fix those and scan again." in body
    assert 'role="alert"' in body and 'name="apply"' not in body
    assert 'class="slot diff-unknown" title="D4: unknown tube, scanned BX9999999Z' in body
    applied = page.post(
        f"/storage/boxes/{box.code}/rack-scan", {"text": text, "apply": "1", "reason": "audit"}
    )
    assert applied.status_code == 400
    assert "Unknown tube(s) at D4 BX9999999Z: nothing was applied." in answers(applied)
    assert storage_state() == before


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary", "is not a text file"),
        (b"", "Choose the rack reader's CSV file first."),
        ("Tube,Colour\r\nBX1,red\r\n", "names no position and tube barcode columns"),
        ('Position,Barcode\r\nA1,"unclosed\r\n', "Position"),
        (None, "(81 positions, A1 to I9) but the file's position A10"),
        ("Position,Barcode\r\nA1,X\r\nA1,Y\r\n", "Position A1 appears twice"),
    ],
)
def test_a_bad_file_is_an_alert_and_changes_nothing(page_for, tech, box, stored, content, sentence):
    if content is None:
        content = scan_file(box, {}, size=(8, 12))
    before = storage_state()
    if content == b"":
        response = page_for(tech).post(f"/storage/boxes/{box.code}/rack-scan", {"text": ""})
    else:
        response = upload(page_for(tech), box, content)
    assert response.status_code == 400
    body = answers(response)
    assert 'role="alert"' in body and sentence in body
    assert storage_state() == before


def test_the_box_page_links_the_rack_scan_and_others_cannot_open_it(
    page_for, tech, phleb_north, auditor, box
):
    body = answers(page_for(tech).get(f"/storage/boxes/{box.code}"))
    assert f'href="/storage/boxes/{box.code}/rack-scan"' in body
    assert page_for(tech).get("/storage/boxes/BOX-9999999/rack-scan").status_code == 404
    for other in (phleb_north, auditor):
        assert page_for(other).get(f"/storage/boxes/{box.code}/rack-scan").status_code == 403

"""The tube page and the custody reports: trail, history, signatures, verification, links."""

import io
import zoneinfo

import pypdfium2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lims.audit import stamp
from specimens import services
from tests.helpers import PASSWORD, password_check
from tests.specimens.test_custody_chain import _tamper

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


@pytest.fixture
def tube(finalized):
    return finalized("1SST8")[0]


def test_the_header_search_opens_the_tube_page(page_for, auditor, tube):
    client = page_for(auditor)
    assert client.get(f"/search?q={tube.barcode.lower()}")["Location"] == f"/tubes/{tube.barcode}"


def test_the_tube_page_shows_the_trail_history_and_an_intact_chain(
    page_for, auditor, tube, phleb_north
):
    services.specimen_hold(actor=phleb_north, specimen=tube, reason="cap cracked")
    page = page_for(auditor).get(f"/tubes/{tube.barcode}").content.decode()
    for kind in ("1. Labeled", "2. Collected", "3. Processed", "4. Put on hold"):
        assert kind in page
    assert "why: cap cracked" in page
    held = tube.custody_events.get(kind="held")
    here = timezone.localtime(held.at, zoneinfo.ZoneInfo(tube.collection_site.time_zone))
    assert f"{here:%Y-%m-%d %H:%M} {here.tzname()}</time>" in page
    assert "Custody chain intact: 4 events" in page and 'role="status"' in page
    assert "hold_reason: — → cap cracked" in page
    assert 'name="scan"' not in page


@pytest.mark.db_superuser
def test_an_altered_event_is_named_on_the_tube_page(page_for, auditor, tube):
    _tamper(
        "UPDATE specimens_custodyevent SET ref = 'X' WHERE specimen_id = %s AND seq = 2", [tube.pk]
    )
    page = page_for(auditor).get(f"/tubes/{tube.barcode}").content.decode()
    assert "Custody chain broken at event 2" in page and 'role="alert"' in page
    assert '<li id="event-2" class="broken">' in page


def test_each_signature_is_shown_beside_its_event_with_its_manifestation(
    page_for, auditor, tube, phleb_north, north_admin
):
    """21 CFR 11.50: printed name, date and time (with the zone) and meaning of each signature,
    the witness's included, where the signed event is."""
    stamp(north_admin, actor=north_admin, reason="printed name for signatures")
    north_admin.first_name, north_admin.last_name = "Ana", "Okafor"
    north_admin.save()
    services.specimen_dispose(
        actor=phleb_north,
        specimen=tube,
        reason="damaged",
        password=PASSWORD,
        check=password_check(),
        witness=north_admin.username,
        witness_password=PASSWORD,
    )
    disposed = tube.custody_events.get(kind="disposed")
    page = page_for(auditor).get(f"/tubes/{tube.barcode}").content.decode()
    event = page.split(f'<li id="event-{disposed.seq}">')[1].split("</li>")[0]
    zone = zoneinfo.ZoneInfo(tube.collection_site.time_zone)
    for signature, shown in zip(
        disposed.signatures.order_by("signed_at", "pk"),
        [
            "Performed by phleb-north</strong> (<code>phleb-north</code>)",
            "Witnessed by Ana Okafor</strong> (<code>admin-north</code>)",
        ],
        strict=True,
    ):
        here = timezone.localtime(signature.signed_at, zone)
        assert (
            f'✍ <strong>{shown}, signed <time datetime="{signature.signed_at.isoformat()}">'
            f"{here:%Y-%m-%d %H:%M} {here.tzname()}</time> ({zone.key})"
        ) in event
    # Field history in the same convention: the site's zone, named.
    history = page.split('id="history-h"')[1]
    assert f"<th>When ({tube.current_site.time_zone})</th>" in history
    changed = timezone.localtime(tube.history.latest().history_date, zone)
    assert f"{changed:%Y-%m-%d %H:%M} {changed.tzname()}</time>" in history
    # So are the times a change set: the collection time as the trail writes times.
    collected = timezone.localtime(tube.collected_at, zone)
    assert f"collected_at: — → {collected:%Y-%m-%d %H:%M} {collected.tzname()}" in history


def test_the_query_count_is_constant_in_the_trail_length(page_for, auditor, tube, phleb_north):
    client = page_for(auditor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/tubes/{tube.barcode}").status_code == 200
        return len(queries)

    services.specimen_hold(actor=phleb_north, specimen=tube, reason="check")
    services.specimen_release(actor=phleb_north, specimen=tube, reason="fine")
    short = count()
    for turn in range(4):
        services.specimen_hold(actor=phleb_north, specimen=tube, reason=f"check {turn}")
        services.specimen_release(actor=phleb_north, specimen=tube, reason="fine")
    assert count() == short


@pytest.mark.parametrize("who", ["phleb_north", "north_auditor", "tech"])
def test_every_role_in_scope_reads_the_tube_page(page_for, request, tube, who):
    assert page_for(request.getfixturevalue(who)).get(f"/tubes/{tube.barcode}").status_code == 200


@pytest.mark.parametrize("barcode", ["own", "BX12", "not-a-tube"])
def test_a_tube_out_of_scope_or_malformed_is_not_found(page_for, phleb_south, tube, barcode):
    barcode = tube.barcode if barcode == "own" else barcode
    client = page_for(phleb_south)
    assert client.get(f"/tubes/{barcode}").status_code == 404
    assert client.get(f"/tubes/{barcode}/custody.pdf").status_code == 404


def test_the_tube_report_holds_the_trail_and_the_verification(page_for, auditor, tube):
    response = page_for(auditor).get(f"/tubes/{tube.barcode}/custody.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Custody report {tube.barcode}" in text
    assert "Labeled" in text and "Collected" in text and "Processed" in text
    assert "Custody chain intact: 3 events" in text
    # Field history in the zone of the site holding the tube, as the page writes it.
    zone = zoneinfo.ZoneInfo(tube.current_site.time_zone)
    latest = timezone.localtime(tube.history.latest().history_date, zone)
    history = " ".join(text.split("Field history")[1].split("Electronic signatures")[0].split())
    assert f"{latest:%Y-%m-%d %H:%M:%S} {latest.tzname()}" in history and "UTC" not in history


def test_the_participant_report_holds_every_tube_and_never_the_participant_id(
    page_for, auditor, finalized
):
    tubes = finalized("1SST8", "1ED10")
    person = tubes[0].participant
    response = page_for(auditor).get(f"/participants/{person.biobank_id}/custody.pdf")
    text = pdf_text(response.content)
    assert all(f"Tube {tube.barcode}" in text for tube in tubes)
    assert person.participant_id not in text
    assert page_for(auditor).get("/participants/B999999999/custody.pdf").status_code == 404


def test_the_participant_report_reads_as_many_queries_for_six_tubes_as_for_two(
    page_for, auditor, finalized, phleb_north, shipment, pack
):
    client = page_for(auditor)

    def count(tubes) -> int:
        # Each tube with a note on its trail and one with a shipment link, as reports hold.
        for tube in tubes:
            services.specimen_hold(actor=phleb_north, specimen=tube, reason="check the cap")
            services.specimen_release(actor=phleb_north, specimen=tube, reason="cap fine")
        pack(shipment, tubes[:1])
        url = f"/participants/{tubes[0].participant.biobank_id}/custody.pdf"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert all(f"Tube {tube.barcode}" in pdf_text(response.content) for tube in tubes)
        return len(queries)

    two = count(finalized("1SST8", "1ED10"))
    assert count(finalized("1SST8", "1PST8", "1ED10", "2ED10", "1UR10", "1UR90")) == two


def test_the_shipment_report_holds_its_tubes_and_the_tube_page_links_it(
    page_for, auditor, tube, shipment, pack
):
    pack(shipment, [tube])
    client = page_for(auditor)
    page = client.get(f"/tubes/{tube.barcode}").content.decode()
    assert f'href="/shipments/{shipment.code}/custody.pdf"' in page
    text = pdf_text(client.get(f"/shipments/{shipment.code}/custody.pdf").content)
    assert f"Tube {tube.barcode}" in text and "Packed" in text
    assert client.get("/shipments/SH-999999/custody.pdf").status_code == 404

"""Exported trails verify offline with the standalone verifier; events keep their written form."""

import pytest
from django.db import connection

from specimens import custody
from specimens.models import CustodyEvent
from specimens.verify_trail import canonical, chain_hash
from tests.helpers import admin_browser, make_user
from tests.specimens.helpers import export

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_exported_trail_verifies_offline_and_an_altered_field_is_named(
    api, phleb_north, tube, verifier, tmp_path, fmt
):
    exported = export(api(phleb_north), tube, fmt, tmp_path / f"trail.{fmt}")
    intact = verifier(exported)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "OK: 4 events of 1 tubes checked" in intact.stdout

    # The third event (held) was at SITE-NORTH with reference ""; someone edits the file.
    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    held = next(i for i, line in enumerate(lines) if "held" in line)
    lines[held] = lines[held].replace("SITE-NORTH", "SITE-SOUTH", 1)
    exported.write_text("".join(lines), encoding="utf-8")
    broken = verifier(exported)
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[0] == (
        f"BROKEN {tube.barcode} #3 (held): event content does not match its hash (altered)"
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_note_edited_in_an_export_no_longer_matches_its_digest(
    api, phleb_north, tube, verifier, tmp_path, fmt
):
    """The chain holds the reason's salted digest; the text printed beside it must hash to it."""
    exported = export(api(phleb_north), tube, fmt, tmp_path / f"trail.{fmt}")
    text = exported.read_text(encoding="utf-8")
    assert text.count("cap loose") == 1
    exported.write_text(text.replace("cap loose", "cap fine"), encoding="utf-8")
    broken = verifier(exported)
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[0] == (
        f"BROKEN {tube.barcode} #3 (held): note 'reason' does not match its digest (text altered)"
    )


def test_a_reordered_or_missing_event_in_an_export_is_named(
    api, phleb_north, tube, verifier, tmp_path
):
    exported = export(api(phleb_north), tube, "jsonl", tmp_path / "trail.jsonl")
    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    exported.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    broken = verifier(exported)
    assert broken.returncode == 1
    assert f"BROKEN {tube.barcode} #3 (held): sequence jumps from 1 to 3" in broken.stdout


def test_the_audit_feed_exports_version_and_hashes_as_json_lines(
    api, auditor, tube, verifier, tmp_path
):
    response = api(auditor).get("/api/v1/audit/events/?format=jsonl")
    assert response["Content-Type"].startswith("application/jsonl")
    path = tmp_path / "feed.jsonl"
    path.write_bytes(response.content)
    first = response.content.decode().splitlines()[0]
    assert all(f'"{key}"' in first for key in ("version", "prev_hash", "hash", "signatures"))
    assert verifier(path).returncode == 0


def test_an_event_written_in_form_1_keeps_verifying_as_written(
    api, phleb_north, tube, verifier, tmp_path
):
    """Events hashed before form 2 (over the internal user id) are never rewritten: the server
    checks them in form 1, the offline verifier checks their links."""
    last = tube.custody_events.order_by("seq").last()
    values = {
        "specimen": tube.barcode,
        "seq": last.seq + 1,
        "kind": "held",
        "at": last.at,
        "site": "SITE-NORTH",
        "ref": "",
        "details": {"reason": "old form"},
    }
    digest = chain_hash(last.hash, canonical(1, actor=phleb_north.pk, **values))
    CustodyEvent.objects.create(
        specimen=tube,
        version=1,
        seq=values["seq"],
        kind="held",
        at=last.at,
        actor=phleb_north,
        site=last.site,
        details=values["details"],
        prev_hash=last.hash,
        hash=digest,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE specimens_specimen SET custody_seq = %s, custody_head = %s WHERE id = %s",
            [values["seq"], digest, tube.pk],
        )
    assert custody.verify().ok
    exported = export(api(phleb_north), tube, "csv", tmp_path / "trail.csv")
    checked = verifier(exported)
    assert checked.returncode == 0, checked.stdout
    assert "(1 written in form 1: links checked, content not)" in checked.stdout


def test_a_username_printed_in_the_chain_cannot_be_renamed_in_the_admin(phleb_north):
    root = make_user("root", is_superuser=True, is_staff=True)
    browser = admin_browser(root)
    page = browser.get(f"/admin/lims/user/{phleb_north.pk}/change/")
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()

"""The verify page: a queued run performed by the worker, its progress polled, breaks listed."""

import pytest
from django.core.management import call_command

from specimens import verification
from specimens.models import VerificationRun
from tests.specimens.test_custody_chain import _tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def tubes(finalized):
    return finalized("1SST8", "1ED10", "1UR10")


def _queue(client) -> VerificationRun:
    response = client.post("/audit/chains")
    run = VerificationRun.objects.get()
    assert response["Location"] == f"/audit/chains/{run.public_id}"
    return run


def test_a_queued_run_shows_progress_until_the_worker_performs_it(page_for, auditor, tubes):
    client = page_for(auditor)
    run = _queue(client)
    waiting = client.get(f"/audit/chains/{run.public_id}").content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "Queued: 0 of ? tubes checked." in waiting
    call_command("verify_worker", "--once")
    fragment = client.get(f"/audit/chains/{run.public_id}", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and "hx-trigger" not in text
    assert "Every chain intact: 3 tubes, 7 events checked." in text


@pytest.mark.db_superuser
def test_each_broken_chain_is_listed_with_its_event(page_for, auditor, tubes):
    _tamper(
        "UPDATE specimens_custodyevent SET ref = 'X' WHERE specimen_id = %s AND seq = 2",
        [tubes[1].pk],
    )
    client = page_for(auditor)
    run = _queue(client)
    run = verification.run_perform(verification.run_claim(), chunk=2)
    assert (run.specimens_total, run.specimens_checked) == (3, 3)
    page = client.get(f"/audit/chains/{run.public_id}").content.decode()
    assert "1 break in 3 tubes" in page
    assert f'<a href="/tubes/{tubes[1].barcode}">{tubes[1].barcode}</a></td><td>2</td>' in page


def test_a_claimed_run_is_not_claimed_twice(page_for, auditor, tubes):
    _queue(page_for(auditor))
    assert verification.run_claim() is not None
    assert verification.run_claim() is None


def test_a_site_auditor_verifies_only_their_scope(
    page_for, north_auditor, finalized, south, phleb_south
):
    finalized("1UR10", site=south, who=phleb_south)
    _queue(page_for(north_auditor))
    assert verification.work() == 1
    assert VerificationRun.objects.get().specimens_checked == 0


def test_another_users_run_or_a_bad_id_is_not_found(page_for, auditor, north_auditor, tubes):
    run = _queue(page_for(auditor))
    assert page_for(north_auditor).get(f"/audit/chains/{run.public_id}").status_code == 404
    assert page_for(auditor).get("/audit/chains/not-a-uuid").status_code == 404


def test_only_auditors_verify(page_for, tech):
    client = page_for(tech)
    assert client.post("/audit/chains").status_code == 403
    assert VerificationRun.objects.count() == 0

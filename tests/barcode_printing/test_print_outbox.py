"""The print outbox: jobs left queued by a stopped process are sent once, stuck ones fail."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from barcode_printing.lifecycle import INTERRUPTED
from barcode_printing.models import PrintJob
from barcode_printing.services import _claim, deliver_outbox
from lims import notes
from lims.audit import stamp
from tests.barcode_printing.conftest import post_labels

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(api, phleb_north, make_order, zebra):
    """A job whose request stopped before sending: in a test that never commits, the
    after-commit send never runs, exactly as when the process dies after the commit."""
    tube = make_order("1UR10").specimens.get().barcode
    response = post_labels(api(phleb_north), ids=[tube], printer=zebra.name)
    assert response.status_code == 202 and response.json()["status"] == "queued"
    return PrintJob.objects.get()


def test_the_outbox_sends_a_job_left_queued(queued, loopback):
    assert deliver_outbox(grace=timedelta(0), stuck_after=timedelta(minutes=5)) == (1, 0)
    assert b"^XA" in loopback.job()
    queued.refresh_from_db()
    assert (queued.status, queued.error) == ("sent", "")
    assert "sending" in [notes.reason(record) for record in queued.history.all()]


def test_a_young_job_is_left_to_its_own_request(queued):
    assert deliver_outbox(grace=timedelta(minutes=1), stuck_after=timedelta(minutes=5)) == (0, 0)
    queued.refresh_from_db()
    assert queued.status == "queued"


def test_a_job_is_claimed_by_one_sender_only(queued):
    assert _claim(queued.pk) is not None
    assert _claim(queued.pk) is None
    assert deliver_outbox(grace=timedelta(0), stuck_after=timedelta(minutes=5)) == (0, 0)


def test_a_job_stuck_while_sending_fails_and_can_be_retried(api, phleb_north, queued, loopback):
    job = _claim(queued.pk)
    job.claimed_at = timezone.now() - timedelta(minutes=10)
    stamp(job, actor=job.actor, reason="test: sender died").save()
    assert deliver_outbox(grace=timedelta(0), stuck_after=timedelta(minutes=5)) == (0, 1)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", INTERRUPTED)
    retried = api(phleb_north).post(f"/api/v1/print-jobs/{job.public_id}/retry/")
    assert retried.status_code == 202, retried.content


def test_the_command_reports_what_it_did(queued, loopback, capsys):
    call_command("print_outbox", "--grace", "0")
    assert "1 queued jobs delivered, 0 interrupted jobs failed." in capsys.readouterr().out
    assert loopback.job().startswith(b"^XA")

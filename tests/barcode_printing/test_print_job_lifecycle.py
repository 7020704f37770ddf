"""The print-job table (barcode_printing/lifecycle.py) checked against literal expectations:
which step a job takes from which state, for whom, and what the API offers as ``actions``."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from barcode_printing.lifecycle import INTERRUPTED
from barcode_printing.models import PrintJob
from barcode_printing.services import _claim, _deliver, deliver_outbox
from lims import notes
from lims.audit import stamp
from tests.barcode_printing.conftest import make_printer, post_labels
from tests.barcode_printing.loopback import LoopbackPrinter, free_port
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

# (state, persona, HTTP answer to POST print-jobs/{id}/retry/, problem code, state after)
RETRIES = [
    ("failed", "phleb_north", 202, None, "queued"),
    ("failed", "north_admin", 202, None, "queued"),
    ("failed", "north_auditor", 403, "role_forbids_action", "failed"),
    ("failed", "auditor", 403, "role_forbids_action", "failed"),
    ("failed", "phleb_south", 404, "not_found", "failed"),
    ("queued", "phleb_north", 409, "print_job_not_failed", "queued"),
    ("sending", "phleb_north", 409, "print_job_not_failed", "sending"),
    ("sent", "phleb_north", 409, "print_job_not_failed", "sent"),
    ("sent", "north_admin", 409, "print_job_not_failed", "sent"),
    ("queued", "north_auditor", 403, "role_forbids_action", "queued"),
]

# (state, persona, the job's ``actions`` in GET print-jobs/{id}/)
ACTIONS = [
    ("queued", "phleb_north", []),
    ("sending", "phleb_north", []),
    ("sent", "phleb_north", []),
    ("failed", "phleb_north", ["retry"]),
    ("failed", "north_admin", ["retry"]),
    ("failed", "north_auditor", []),
    ("failed", "auditor", []),
]

# (state, the service's step, state after, error after): the sender's own steps.
CLAIMS = [
    ("queued", "sending", ""),
    ("sending", "sending", ""),
    ("sent", "sent", ""),
    ("failed", "failed", "printer off"),
]
INTERRUPTIONS = [
    ("sending", "failed", INTERRUPTED),
    ("queued", "queued", ""),
    ("sent", "sent", ""),
    ("failed", "failed", "printer off"),
]


@pytest.fixture
def job(api, phleb_north, north, make_order):
    """A north job to an (unreachable) Zebra: in a test that never commits it stays queued."""
    printer = make_printer("north-zebra", north, address=f"127.0.0.1:{free_port()}")
    tube = make_order("1UR10").specimens.get().barcode
    response = post_labels(api(phleb_north), ids=[tube], printer=printer.name)
    assert response.json()["status"] == "queued"
    return PrintJob.objects.get()


def put_in(job: PrintJob, state: str) -> PrintJob:
    """Test setup: the job as it stands in ``state``."""
    job.status = state
    job.sent_at = timezone.now() if state == "sent" else None
    job.error = "printer off" if state == "failed" else ""
    job.claimed_at = timezone.now() - timedelta(hours=1) if state != "queued" else None
    stamp(job, actor=None, reason="test setup").save()
    return job


def reload(job: PrintJob) -> PrintJob:
    return PrintJob.objects.get(pk=job.pk)


@pytest.mark.parametrize(("state", "persona", "status", "code", "after"), RETRIES)
def test_retry_by_state_and_role(request, api, job, state, persona, status, code, after):
    put_in(job, state)
    rows = job.history.count()
    response = api(request.getfixturevalue(persona)).post(
        f"/api/v1/print-jobs/{job.public_id}/retry/"
    )
    if code is None:
        assert response.status_code == status, response.content
        assert response.json()["status"] == after
        assert notes.reason(job.history.first()) == "retried"
    else:
        assert_problem(response, status, code)
        assert job.history.count() == rows
    assert reload(job).status == after


@pytest.mark.parametrize(("state", "persona", "actions"), ACTIONS)
def test_the_api_offers_the_actions_the_table_allows(request, api, job, state, persona, actions):
    put_in(job, state)
    response = api(request.getfixturevalue(persona)).get(f"/api/v1/print-jobs/{job.public_id}/")
    assert response.status_code == 200, response.content
    assert response.json()["actions"] == actions


@pytest.mark.parametrize(("state", "after", "error"), CLAIMS)
def test_only_a_queued_job_is_claimed_for_sending(job, state, after, error):
    put_in(job, state)
    claimed = _claim(job.pk)
    assert (claimed is not None) == (state == "queued")
    assert (reload(job).status, reload(job).error) == (after, error)


@pytest.mark.parametrize(("state", "after", "error"), INTERRUPTIONS)
def test_the_outbox_fails_only_a_job_stuck_while_sending(job, state, after, error):
    put_in(job, state)
    deliver_outbox(grace=timedelta(days=1), stuck_after=timedelta(minutes=5))
    assert (reload(job).status, reload(job).error) == (after, error)


@pytest.mark.parametrize("state", ["sending", "sent", "failed"])
def test_only_a_queued_job_is_sent(job, state):
    put_in(job, state)
    assert _deliver(job.pk) is False
    assert reload(job).status == state


def test_a_queued_job_is_sent_to_a_printer_that_answers(job):
    printer = LoopbackPrinter(int(job.printer.address.rsplit(":", 1)[1]))
    assert _deliver(job.pk) is True
    assert printer.job() == bytes(job.document)
    sent = reload(job)
    assert (sent.status, sent.error) == ("sent", "") and sent.sent_at is not None
    reasons = [notes.reason(row) for row in sent.history.order_by("history_id")]
    assert reasons[-2:] == ["sending", "delivery to north-zebra: sent"]


def test_a_queued_job_fails_on_a_printer_that_is_off(job):
    assert _deliver(job.pk) is True
    failed = reload(job)
    assert failed.status == "failed" and job.printer.address in failed.error
    assert notes.reason(failed.history.first()) == "delivery to north-zebra: failed"


def test_listing_print_jobs_with_their_actions_takes_the_same_queries_for_more_jobs(
    api, phleb_north, make_order, job
):
    client = api(phleb_north)
    client.get("/api/v1/print-jobs/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/print-jobs/").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        tube = make_order("1SAL").specimens.get().barcode
        post_labels(client, ids=[tube], printer=job.printer.name)
    put_in(job, "failed")
    answer = client.get("/api/v1/print-jobs/").json()
    assert [row["actions"] for row in answer["results"]] == [[], [], [], ["retry"]]
    assert queries() == one

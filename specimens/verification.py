"""Verifying every custody chain off the request: an auditor queues a run, the ``verify_worker``
command claims it with a conditional update and works through the scope in chunks, recording
its progress for the page to poll."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lims.scoping import require_auditor
from specimens import custody
from specimens.choices import RunStatus
from specimens.models import Specimen, VerificationRun

CHUNK = 500


def run_request(*, actor) -> VerificationRun:
    require_auditor(actor, action="verify custody chains")
    return VerificationRun.objects.create(requested_by=actor)


def run_claim() -> VerificationRun | None:
    """The oldest queued run, now ours; None when there is none (or another worker won it)."""
    for run in VerificationRun.objects.filter(status=RunStatus.QUEUED).order_by("requested_at"):
        won = VerificationRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, claimed_at=timezone.now()
        )
        if won:
            run.refresh_from_db()
            return run
    return None


def run_perform(run: VerificationRun, *, chunk: int = CHUNK) -> VerificationRun:
    """Verify the requester's scope ``chunk`` tubes at a time, saving progress after each."""
    scope = Specimen.objects.for_user(run.requested_by).order_by("pk")
    run.specimens_total = scope.count()
    run.save(update_fields=["specimens_total"])
    last = 0
    while True:
        keys = list(scope.filter(pk__gt=last).values_list("pk", flat=True)[:chunk])
        if not keys:
            break
        result = custody.verify(scope.filter(Q(pk__gt=last) & Q(pk__lte=keys[-1])))
        last = keys[-1]
        with transaction.atomic():
            run.specimens_checked += result.specimens
            run.events_checked += result.events
            run.breaks += [b.as_dict() for b in result.breaks]
            run.save(update_fields=["specimens_checked", "events_checked", "breaks"])
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def work(*, chunk: int = CHUNK) -> int:
    """Perform every queued run; answers how many."""
    done = 0
    while (run := run_claim()) is not None:
        run_perform(run, chunk=chunk)
        done += 1
    return done

"""Printing: record each print job, deliver its bytes after the commit, retry what failed.

A job is written in a short transaction and the printer is spoken to only once that has
committed (``transaction.on_commit``), so no transaction stays open while a printer answers or
times out. Called outside any transaction, as the API does, a job has been delivered (sent or
failed) when the service returns; inside an outer transaction (an idempotent POST) delivery
follows that commit and the job comes back queued.
"""

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from barcode_printing import lifecycle
from barcode_printing.choices import LabelFormat, PrinterKind, PrintStatus
from barcode_printing.layouts import repeat
from barcode_printing.lifecycle import PRINTING_ROLES
from barcode_printing.models import Printer, PrintJob, PrintJobItem
from barcode_printing.render import Rendered, render_labels
from barcode_printing.sources import LabelBatch
from barcode_printing.transports import PrinterUnreachable
from lims.audit import stamp
from lims.errors import Conflict, InvalidInput
from lims.free_text import require_reason, screen
from lims.scoping import require_role

DEFAULT_LAYOUT = "tube_128x050"


class FormatNotForPrinter(InvalidInput):
    code = "format_not_for_printer"
    title = "The printer does not take this format"


class PrintJobSuperseded(Conflict):
    code = "print_job_superseded"
    title = "The labels were printed again since"


def print_labels(
    *,
    actor,
    batch: LabelBatch,
    printer: Printer | None = None,
    fmt: str | None = None,
    layout: str | None = None,
    copies: int = 1,
    reason: str = "",
) -> tuple[PrintJob, Rendered]:
    """Render ``batch`` and record the job; a label printer is sent it, otherwise the caller
    hands the rendered file to the user. Printing an ID printed before needs a reason."""
    site = printer.site if printer else batch.site
    require_role(actor, site, *PRINTING_ROLES, action="print labels")
    fmt = _format(printer, fmt)
    reprint, reason = _reprint_reason(batch.ids, reason)
    layout = layout or batch.layout or (printer.layout if printer else DEFAULT_LAYOUT)
    dpi = printer.dpi if printer else None
    rendered = render_labels(repeat(batch.labels, copies), layout=layout, fmt=fmt, dpi=dpi)
    to_printer = printer is not None and printer.kind != PrinterKind.PDF
    job = PrintJob(
        actor=actor,
        site=site,
        printer=printer,
        layout=layout,
        format=fmt,
        copies=copies,
        reprint=reprint,
        reason=reason,
        status=PrintStatus.QUEUED if to_printer else PrintStatus.SENT,
        sent_at=None if to_printer else timezone.now(),
        document=rendered.content if to_printer else b"",
    )
    return _record(job, batch.ids), rendered


def _reprint_reason(ids, reason: str) -> tuple[bool, str]:
    """Whether this is a reprint (a job already labelled one of ``ids``; a failed one printed
    nothing), and the screened reason, which a reprint must give."""
    items = PrintJobItem.objects.filter(payload__in=ids).exclude(job__status=PrintStatus.FAILED)
    reprinted = sorted(set(items.values_list("payload", flat=True)))
    if reprinted:
        return True, require_reason(reason, action=f"reprint {', '.join(reprinted)}")
    return False, screen(reason, field="reason")


def _record(job: PrintJob, ids) -> PrintJob:
    with transaction.atomic():
        stamp(job, actor=job.actor, reason=job.reason or "labels printed").save()
        PrintJobItem.objects.bulk_create(PrintJobItem(job=job, payload=id_) for id_ in ids)
        if job.status == PrintStatus.QUEUED:
            transaction.on_commit(partial(_deliver, job.pk))
    job.refresh_from_db()
    return job


def print_job_retry(*, actor, job: PrintJob) -> PrintJob:
    """Send a failed job's document again, unless its IDs have been printed since."""
    with transaction.atomic():
        job = PrintJob.objects.select_for_update(of=("self",)).select_related("site").get(pk=job.pk)
        lifecycle.check(job, lifecycle.RETRY, actor=actor)
        since = _printed_since(job)
        if since:
            raise PrintJobSuperseded(
                f"{', '.join(since)} were printed again after this job failed; print them "
                "anew (with a reason) rather than retrying."
            )
        lifecycle.transition(job, lifecycle.RETRY, actor=actor)
        transaction.on_commit(partial(_deliver, job.pk))
    job.refresh_from_db()
    return job


def _printed_since(job: PrintJob) -> list[str]:
    items = PrintJobItem.objects.filter(
        payload__in=job.items.values("payload"), job__pk__gt=job.pk
    ).exclude(job__status=PrintStatus.FAILED)
    return sorted(set(items.values_list("payload", flat=True)))


def _format(printer: Printer | None, fmt: str | None) -> str:
    if printer is None:
        return fmt or LabelFormat.PDF
    if fmt and fmt != printer.format:
        raise FormatNotForPrinter(
            f"Printer {printer.name} prints {printer.format.upper()}, not {fmt.upper()}; "
            "leave out the format or choose another printer.",
            errors={"format": [f"{printer.name} takes {printer.format}."]},
        )
    return printer.format


def _deliver(job_pk: int) -> bool:
    """Send a queued job's document and record the outcome; runs after the job's commit.

    False when another sender (the request, or the outbox worker) claimed the job first.
    """
    job = _claim(job_pk)
    if job is None:
        return False
    try:
        job.printer.transport().send(bytes(job.document))
    except PrinterUnreachable as error:
        outcome, message = lifecycle.FAIL, error.detail
    else:
        outcome, message = lifecycle.DELIVERED, ""
    with transaction.atomic():
        job = _locked(job_pk)
        # The outbox may have given up on a send that outlived ``stuck_after``: its record
        # (failed, "may or may not have printed") stands, and a retry is the way on.
        if lifecycle.can(job, outcome):
            lifecycle.transition(job, outcome, error=message)
    return True


def _claim(job_pk: int) -> PrintJob | None:
    """Mark a queued job as being sent, so that exactly one sender prints it."""
    with transaction.atomic():
        job = _locked(job_pk)
        if job is None or not lifecycle.can(job, lifecycle.CLAIM):
            return None
        return lifecycle.transition(job, lifecycle.CLAIM)


def _locked(job_pk: int) -> PrintJob | None:
    return (
        PrintJob.objects.select_for_update(of=("self",))
        .select_related("printer")
        .filter(pk=job_pk)
        .first()
    )


def deliver_outbox(*, grace: timedelta, stuck_after: timedelta) -> tuple[int, int]:
    """Send jobs still queued after ``grace`` (their process stopped before sending), and fail
    jobs still being sent after ``stuck_after``. Answers (sent or failed now, failed as stuck)."""
    now = timezone.now()
    stale = PrintJob.objects.filter(status=PrintStatus.QUEUED, created_at__lt=now - grace)
    delivered = sum(_deliver(pk) for pk in stale.values_list("pk", flat=True))
    stuck = 0
    for pk in PrintJob.objects.filter(
        status=PrintStatus.SENDING, claimed_at__lt=now - stuck_after
    ).values_list("pk", flat=True):
        with transaction.atomic():
            job = _locked(pk)
            if job is not None and lifecycle.can(job, lifecycle.INTERRUPT):
                lifecycle.transition(job, lifecycle.INTERRUPT)
                stuck += 1
    return delivered, stuck

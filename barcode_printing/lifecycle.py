"""The print-job status machine as one table, the guard that applies it, and what a user may do now.

A job sent to a label printer goes queued → sending (claimed by exactly one sender) → sent or
failed; a failed job is retried back to queued. A PDF download is recorded as sent when it is
made and never moves. The sending steps are the printing service's own (on behalf of the job's
actor, after the job's commit, or the outbox worker's); only a retry is a user's action.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from barcode_printing.choices import PrintStatus as S
from barcode_printing.models import PrintJob
from lims.audit import stamp
from lims.choices import Role
from lims.errors import Conflict
from lims.scoping import require_role, scope_of

PRINTING_ROLES = frozenset({Role.PHLEBOTOMIST, Role.BIOBANK_TECHNICIAN, Role.SITE_ADMIN})
# No user may ask for a step with no roles: the printing service takes it itself.
BY_THE_SERVICE: frozenset[str] = frozenset()

CLAIM, DELIVERED, FAIL, INTERRUPT, RETRY = "claim", "delivered", "fail", "interrupt", "retry"

INTERRUPTED = (
    "Delivery was interrupted while sending: the labels may or may not have printed. Check the "
    "printer, then retry the job or print again with a reason."
)


class PrintJobNotFailed(Conflict):
    code = "print_job_not_failed"
    title = "Only a failed print job is retried"


class PrintJobStepNotAllowed(Conflict):
    code = "print_job_step_not_allowed"
    title = "Not possible in the print job's current state"


# What a step writes besides the status, from the time and the printer's error message.
Writes = Callable[[datetime, str], dict]


@dataclass(frozen=True)
class Rule:
    """``action`` takes a job in one of ``sources`` to ``target``, writing ``writes(now, error)``
    and a history row with ``reason`` ({printer} is the printer's name); ``roles`` at the job's
    site may ask for it (none: only the service), and ``refusal`` answers it from another state."""

    action: str
    sources: frozenset
    target: str
    roles: frozenset
    reason: str
    writes: Writes
    refusal: type[Conflict] = PrintJobStepNotAllowed


TABLE: tuple[Rule, ...] = (
    Rule(CLAIM, frozenset({S.QUEUED}), S.SENDING, BY_THE_SERVICE, "sending",
         lambda now, error: {"claimed_at": now}),
    Rule(DELIVERED, frozenset({S.SENDING}), S.SENT, BY_THE_SERVICE, "delivery to {printer}: sent",
         lambda now, error: {"sent_at": now}),
    Rule(FAIL, frozenset({S.SENDING}), S.FAILED, BY_THE_SERVICE, "delivery to {printer}: failed",
         lambda now, error: {"error": error}),
    Rule(INTERRUPT, frozenset({S.SENDING}), S.FAILED, BY_THE_SERVICE, "delivery interrupted",
         lambda now, error: {"error": INTERRUPTED}),
    Rule(RETRY, frozenset({S.FAILED}), S.QUEUED, PRINTING_ROLES, "retried",
         lambda now, error: {"error": ""}, refusal=PrintJobNotFailed),
)  # fmt: skip

RULES = {rule.action: rule for rule in TABLE}


def can(job: PrintJob, action: str) -> bool:
    """Whether the table lets ``action`` happen to ``job`` in its current state."""
    return job.status in RULES[action].sources


def allowed_actions(job: PrintJob, user) -> list[str]:
    """The steps ``user`` may ask for on ``job`` now (for buttons and the API's ``actions``)."""
    scope = scope_of(user)
    return [
        rule.action
        for rule in TABLE
        if rule.roles and job.status in rule.sources and scope.has_role(job.site_id, rule.roles)
    ]


def check(job: PrintJob, action: str, *, actor=None) -> Rule:
    """The rule that lets ``action`` happen to ``job`` now, or the error that says why not.

    A user's step (one with roles) needs one of them at the job's site; changes nothing.
    """
    rule = RULES[action]
    if rule.roles:
        require_role(actor, job.site, *rule.roles, action=f"{action} print jobs")
    if job.status not in rule.sources:
        needed = " or ".join(sorted(rule.sources))
        raise rule.refusal(
            f"Print job {job.public_id} is {job.status}; {action} applies to a {needed} job only."
        )
    return rule


def transition(job: PrintJob, action: str, *, actor=None, error: str = "") -> PrintJob:
    """Apply ``action`` to ``job`` (locked by the caller, in its transaction) and record it;
    the service's own steps are recorded under the job's actor."""
    rule = check(job, action, actor=actor)
    job.status = rule.target
    for field, value in rule.writes(timezone.now(), error).items():
        setattr(job, field, value)
    printer = job.printer.name if job.printer_id else ""
    stamp(job, actor=actor or job.actor, reason=rule.reason.format(printer=printer)).save()
    return job

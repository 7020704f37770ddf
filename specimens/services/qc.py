"""QC findings on tubes: a flag raised through the lifecycle, with custody and history."""

from django.db import transaction

from lims.free_text import require_reason
from lims.models import Site, User
from specimens.choices import CustodyKind, QCFlag
from specimens.errors import UnknownQCFlag
from specimens.lifecycle import transition_many
from specimens.models import Specimen


def specimens_flag_qc(
    *,
    actor: User,
    specimens: list[Specimen],
    flag: str,
    details: dict,
    reason: str,
    site: Site | None = None,
) -> list[Specimen]:
    """Raise ``flag`` on each of ``specimens`` with a ``qc_flagged`` custody event carrying
    ``details``; a tube already carrying the flag is left as it is. ``site`` is where the
    finding is made (default: where each tube is). Answers the tubes newly flagged."""
    if flag not in QCFlag.values:
        raise UnknownQCFlag(
            f"'{flag}' is not a QC flag; use one of: {', '.join(QCFlag.values)}.",
            errors={"flag": ["Unknown flag."]},
        )
    if not isinstance(details, dict):
        raise TypeError("details must be a dict of plain values")
    reason = require_reason(reason, action="raise a QC flag")
    with transaction.atomic():
        locked = Specimen.objects.filter(pk__in=[s.pk for s in specimens]).lock()
        flagged = [tube for tube in locked if flag not in tube.qc_flags]
        transition_many(
            flagged,
            CustodyKind.QC_FLAGGED,
            actor=actor,
            reason=reason,
            site=site,
            details={**details, "flag": flag},
            changes=lambda tube: {"qc_flags": [*tube.qc_flags, flag]},
        )
    return flagged

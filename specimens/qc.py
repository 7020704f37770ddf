"""The program's QC rules on processing times, and the sentence that explains each QC flag."""

from datetime import datetime

from specimens.choices import QCFlag
from specimens.models import Specimen, SpecimenType

# The flags processing times decide; re-entering a time replaces them.
PROCESSING_FLAGS = frozenset({QCFlag.PROCESSING_TOO_EARLY, QCFlag.PROCESSING_TOO_LATE})


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end``: the program records and compares times to the
    minute, so 240 minutes and some seconds is still within four hours."""
    return int((end - start).total_seconds() // 60)


def processing_flag(tube_type: SpecimenType, minutes: int) -> str | None:
    """An SST spun before its clot formed, or any tube spun after the program's limit, is kept
    with a warning (HealthPro: SST < 30 min; SST and PST > 4 h)."""
    low, high = tube_type.min_processing_minutes, tube_type.max_processing_minutes
    if low is not None and minutes < low:
        return QCFlag.PROCESSING_TOO_EARLY
    if high is not None and minutes > high:
        return QCFlag.PROCESSING_TOO_LATE
    return None


def warnings(specimen: Specimen) -> list[str]:
    """One sentence a person can act on for each of ``specimen``'s QC flags."""
    return [_warning(specimen, flag) for flag in specimen.qc_flags]


def _warning(specimen: Specimen, flag: str) -> str:
    tube = specimen.type
    if flag in PROCESSING_FLAGS and specimen.collected_at and specimen.processed_at:
        minutes = minutes_between(specimen.collected_at, specimen.processed_at)
        if flag == QCFlag.PROCESSING_TOO_EARLY:
            return (
                f"{tube.code} processed {minutes} minutes after collection: the program needs "
                f"at least {tube.min_processing_minutes} for the clot to form."
            )
        return (
            f"{tube.code} processed {minutes} minutes after collection: the program allows at "
            f"most {tube.max_processing_minutes}."
        )
    return QCFlag(flag).label if flag in QCFlag.values else flag

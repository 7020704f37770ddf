"""Weighing tubes, one at a time or a station's batch, with the balance as provenance."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lims.errors import DomainError
from lims.free_text import screen
from lims.models import User
from lims.sql import step_transaction
from specimens.choices import (
    CustodyKind,
)
from specimens.errors import (
    WeightOutOfRange,
)
from specimens.lifecycle import check_step, transition_many
from specimens.models import (
    Specimen,
)

# No tube in the catalog with its contents weighs more; a larger figure is a misread or a typo.
MAX_WEIGHT_G = Decimal(2000)


@dataclass(frozen=True, slots=True)
class Weighing:
    """One stable balance reading of one tube, with the balance that gave it."""

    specimen: Specimen
    grams: Decimal
    device: str = ""


def specimen_weigh(
    *, actor: User, specimen: Specimen, grams: Decimal, device: str, locked: bool = False
) -> Specimen:
    """Record a weight with its device as provenance; urine and saliva get the volume it implies.
    ``locked``: the caller holds ``specimen``'s row lock in its transaction (``Specimen.objects
    .lock()`` or ``selectors.locked_for_scan``), so it is not read again."""
    weighings = [Weighing(specimen, grams, device)]
    (answer,) = specimens_weigh(actor=actor, weighings=weighings, locked=locked)
    if isinstance(answer, DomainError):
        raise answer
    return answer


def specimens_weigh(
    *, actor: User, weighings: list[Weighing], locked: bool = False
) -> list[Specimen | DomainError]:
    """Record a station's weighings at once: each is checked on its own, those that pass are
    written together in scan order, and the answer for each is its tube or the error that
    refused it (a refused weighing changes nothing). A tube is weighed at most once a call."""
    if len({weighing.specimen.pk for weighing in weighings}) != len(weighings):
        raise ValueError("each tube may be weighed once per call")
    answers: list[Specimen | DomainError | None] = [None] * len(weighings)
    readings: dict[int, dict] = {}
    for index, weighing in enumerate(weighings):
        try:
            readings[index] = _reading(weighing)
        except DomainError as error:
            answers[index] = error
    with step_transaction(locked=locked):
        tubes = [weighings[index].specimen for index in readings]
        if not locked:
            tubes = Specimen.objects.filter(pk__in=[tube.pk for tube in tubes]).lock()
        held = {tube.pk: tube for tube in tubes}
        passed: dict[int, dict] = {}
        for index, reading in readings.items():
            tube = answers[index] = held[weighings[index].specimen.pk]
            try:
                check_step(tube, CustodyKind.WEIGHED, actor=actor)
            except DomainError as error:
                answers[index] = error
            else:
                passed[tube.pk] = reading
        transition_many(
            [held[pk] for pk in passed],
            CustodyKind.WEIGHED,
            actor=actor,
            details=lambda tube: passed[tube.pk],
            changes=lambda tube: _weight_changes(tube, Decimal(passed[tube.pk]["grams"])),
        )
    return answers


def _reading(weighing: Weighing) -> dict:
    """The custody details of a plausible reading, or the error that refuses it."""
    grams = weighing.grams
    if not Decimal(0) < grams <= MAX_WEIGHT_G:
        raise WeightOutOfRange(
            f"{grams} g is not a tube's weight: expected more than 0 and at most {MAX_WEIGHT_G} g.",
            errors={"grams": ["Out of range."]},
        )
    return {"grams": str(grams), "device": screen(weighing.device, field="device")}


def _weight_changes(tube: Specimen, grams: Decimal) -> dict:
    changes = {"weight_g": grams}
    density = tube.type.density_g_per_ml
    if density:
        volume = (grams / density * 1000).quantize(Decimal(1), ROUND_HALF_UP)
        changes["volume_ul"] = int(volume)
    return changes

"""Finding what a request names: specimens by scanned ID, boxes and freezers by code, in scope."""

from collections import Counter

from django.db.models import CharField

from barcode_printing.ids import parse_id
from freezers.models import Box, Freezer
from lims.compiled import Compiled, Given
from lims.errors import InvalidInput, NotFound
from lims.models import User
from lims.scoping import scope_of
from specimens import selectors
from specimens.models import Specimen


class UnknownSpecimen(NotFound):
    code = "unknown_specimen"
    title = "No such specimen"


class DuplicateIds(InvalidInput):
    code = "duplicate_ids"
    title = "An ID is given more than once"


class UnknownBox(NotFound):
    code = "unknown_box"
    title = "No such box"


class UnknownFreezer(NotFound):
    code = "unknown_freezer"
    title = "No such freezer"


class UnknownRack(NotFound):
    code = "unknown_rack"
    title = "No such rack"


def specimen_for(user: User, text: str, *, field: str = "id", lock: bool = False) -> Specimen:
    """The specimen of a scanned or typed ID among those ``user`` may see; with ``lock``, its
    row locked in the caller's transaction in the same statement (``selectors.locked_tube``)."""
    barcode = parse_id(text)
    if lock:
        specimen = selectors.locked_tube(user, barcode)
    else:
        specimen = Specimen.objects.for_user(user).filter(barcode=barcode).first()
    if specimen is None:
        raise UnknownSpecimen(
            f"No specimen {barcode} among those you can see.", errors={field: ["Unknown."]}
        )
    return specimen


def specimens_for(user: User, texts: list[str], *, field: str = "ids") -> list[Specimen]:
    """The specimens of many IDs, in the order given; every ID must be known and given once."""
    wanted = [parse_id(text) for text in texts]
    twice = sorted(barcode for barcode, n in Counter(wanted).items() if n > 1)
    if twice:
        raise DuplicateIds(
            f"{', '.join(twice[:10])} given more than once.",
            errors={field: [f"Twice: {', '.join(twice[:10])}."]},
        )
    found = {s.barcode: s for s in Specimen.objects.for_user(user).filter(barcode__in=wanted)}
    missing = [barcode for barcode in wanted if barcode not in found]
    if missing:
        raise UnknownSpecimen(
            f"No specimen {', '.join(missing[:10])} among those you can see.",
            errors={field: [f"Unknown: {', '.join(missing[:10])}."]},
        )
    return [found[barcode] for barcode in wanted]


def box_for(user: User, code: str, *, field: str = "box") -> Box:
    box = _box_in_scope.first(scope_of(user), code=code.strip().upper())
    if box is None:
        raise UnknownBox(f"No box {code!r} among those you can see.", errors={field: ["Unknown."]})
    return box


@Compiled
def _box_in_scope(scope):
    """A box by code among a scope's, with its path (compiled once per scope: a scan's path)."""
    return Box.objects.for_scope(scope).with_path().filter(code=Given("code", CharField()))


def freezer_for(user: User, code: str, *, field: str = "freezer") -> Freezer:
    freezer = (
        Freezer.objects.for_user(user).select_related("site").filter(code=code.strip().upper())
    ).first()
    if freezer is None:
        raise UnknownFreezer(
            f"No freezer {code!r} among those you can see.", errors={field: ["Unknown."]}
        )
    return freezer

"""What an auditor reads about a tube: its trail with signatures, its field history, lineage,
the pages other apps hold about it, and whether its chain verifies."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from lims import notes
from lims.templatetags.workbench import local
from specimens import custody, extensions
from specimens.models import CustodyEvent, Signature, Specimen
from specimens.selectors import field_histories, plain


@dataclass
class Dossier:
    tube: Specimen
    trail: list[CustodyEvent]
    history: list[dict]
    links: list[extensions.Link]
    breaks: list[custody.Break]

    @property
    def first_break(self) -> int | None:
        return min((b.seq for b in self.breaks), default=None)

    @property
    def signatures(self) -> list[Signature]:
        return [signature for event in self.trail for signature in event.signatures.all()]


def trails(specimens: list[Specimen]) -> dict[int, list[CustodyEvent]]:
    """Each tube's events in order, by tube key, with actor, site, signatures and the notes
    their details hold (``shown_details``: each note's text or its redaction), in three queries
    however many tubes."""
    signatures = Signature.objects.select_related("signer").order_by("signed_at", "pk")
    events = list(
        CustodyEvent.objects.filter(specimen__in=[specimen.pk for specimen in specimens])
        .select_related("actor", "site")
        .prefetch_related(Prefetch("signatures", signatures))
        .order_by("specimen_id", "seq")
    )
    found = notes.lookup(d for event in events for d in notes.digests_in(event.details))
    by_tube: dict[int, list[CustodyEvent]] = {specimen.pk: [] for specimen in specimens}
    for event in events:
        event.shown_details = notes.readable(event.details, found)
        by_tube[event.specimen_id].append(event)
    return by_tube


def dossiers(specimens: list[Specimen]) -> list[Dossier]:
    """The dossier of each of ``specimens`` (loaded as ``visible_tubes`` loads them), in as
    many queries for a participant's forty tubes as for one: a report reads them all."""
    keys = [specimen.pk for specimen in specimens]
    events = trails(specimens)
    histories = field_histories(
        specimens, shown=lambda specimen: _in_zone(specimen.current_site.time_zone)
    )
    links = extensions.links(specimens)
    breaks: dict[str, list[custody.Break]] = {}
    for found in custody.verify(Specimen.objects.filter(pk__in=keys)).breaks:
        breaks.setdefault(found.specimen, []).append(found)
    return [
        Dossier(
            tube=specimen,
            trail=events[specimen.pk],
            history=histories[specimen.pk],
            links=links[specimen.pk],
            breaks=breaks.get(specimen.barcode, []),
        )
        for specimen in specimens
    ]


def dossier(specimen: Specimen) -> Dossier:
    return dossiers([specimen])[0]


def _in_zone(zone: str):
    """A field history's values as a person reads them: times in ``zone``, as the trail."""

    def shown(value):
        return local(value, zone) if isinstance(value, datetime) else plain(value)

    return shown


def visible_tubes(user):
    """The tubes ``user`` may see, with what their page and report show of each."""
    return (
        Specimen.objects.for_user(user)
        .select_related("type", "participant", "order", "parent", "collection_site", "current_site")
        .prefetch_related("children")
    )


def tube_for(user, barcode: str) -> Specimen | None:
    return visible_tubes(user).filter(barcode=barcode).first()

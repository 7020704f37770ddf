"""What can be labelled: each app registers a label source under a key of POST labels/.

This app knows nothing of specimens, shipments or boxes (ARCHITECTURE §3); an app's
``labels.py`` turns its own objects into label data and registers the function here. The
``labels`` module of every installed app is imported when the app registry is ready.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from barcode_printing.layouts import LabelData
from lims.errors import InvalidInput
from lims.models import Site


class LabelsSpanSites(InvalidInput):
    code = "labels_span_sites"
    title = "Labels for more than one site"


@dataclass(frozen=True)
class LabelBatch:
    """What one request labels: the IDs, their labels in print order, and the site holding them."""

    ids: tuple[str, ...]
    labels: tuple[LabelData, ...]
    site: Site
    # The stock these labels are made for (a shipment's 4x6), when not a printer's usual one.
    layout: str | None = None


# A source takes the requesting user and the request's value and answers a batch; objects
# outside the user's scope are unknown to it.
Source = Callable[[object, object], LabelBatch]
_SOURCES: dict[str, Source] = {}


def label_source(key: str) -> Callable[[Source], Source]:
    """Register the decorated function as the source of ``key`` in POST labels/."""

    def register(source: Source) -> Source:
        if _SOURCES.setdefault(key, source) is not source:
            raise ImproperlyConfigured(f"Two label sources for {key!r}")
        return source

    return register


def resolve(user, key: str, value) -> LabelBatch:
    try:
        source = _SOURCES[key]
    except KeyError:
        raise ImproperlyConfigured(f"No label source registered for {key!r}") from None
    return source(user, value)


def one_site(sites: set[Site]) -> Site:
    """The one site holding everything to be labelled; a print job belongs to one site."""
    if len(sites) != 1:
        codes = ", ".join(sorted(site.code for site in sites))
        raise LabelsSpanSites(f"These labels belong to {codes}: print each site's separately.")
    return next(iter(sites))

"""Dashboard panels: each app registers the panels it can build from its own data; lims names
none. A panel is a plot (SVG) with its numbers in a table beside it, scoped to the user."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Value,
    When,
)

from lims.scoping import scope_of
from lims.web import svg


@dataclass
class Panel:
    title: str
    headings: list[str]
    rows: list[list]
    chart: str = ""
    note: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    build: Callable[[object], Panel]
    roles: frozenset[str]
    order: int


_PANELS: dict[str, _Entry] = {}


def register(name: str, build: Callable[[object], Panel], *, roles, order: int = 50) -> None:
    """Show ``build(user)`` on the dashboard of users holding one of ``roles`` somewhere."""
    _PANELS[name] = _Entry(build, frozenset(roles), order)


def panels_for(user) -> list[Panel]:
    scope = scope_of(user)
    chosen = sorted(
        (entry for entry in _PANELS.values() if scope.is_superuser or entry.roles & scope.roles),
        key=lambda entry: entry.order,
    )
    return [entry.build(user) for entry in chosen]


@dataclass(frozen=True)
class Bins:
    """Named intervals of a duration: ``edges`` in hours, ``labels`` one more than edges."""

    edges: tuple[float, ...]
    labels: tuple[str, ...]


def distribution(queryset, *, group: str, start: str, end: str, bins: Bins) -> dict:
    """``{group value: [count per bin]}`` of ``end - start``, counted by the database in one
    query whatever the number of rows."""
    duration = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    whens = [
        When(duration__lt=timedelta(hours=edge), then=Value(index))
        for index, edge in enumerate(bins.edges)
    ]
    rows = (
        queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
        .annotate(duration=duration)
        .annotate(bin=Case(*whens, default=Value(len(bins.edges)), output_field=IntegerField()))
        .order_by()
        .values_list(group, "bin")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, list[int]] = {}
    for key, index, n in rows:
        counts.setdefault(key, [0] * len(bins.labels))[index] += n
    return dict(sorted(counts.items()))


def distribution_panel(title: str, counts: dict, bins: Bins, *, what: str) -> Panel:
    """A per-site histogram: the chart's groups are the bins, one colour per site."""
    return Panel(
        title=title,
        headings=["Site", *bins.labels, "Total"],
        rows=[[site, *values, sum(values)] for site, values in counts.items()],
        chart=svg.bars(list(bins.labels), counts, title=title) if counts else "",
        note=what,
    )

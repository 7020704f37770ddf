"""Small charts drawn as SVG on the server (grouped bars, a series over time with its band): no
script, no style attribute (the CSP allows neither inline), printable, and built from numbers
alone (labels are escaped)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b5cad", "#c58a00", "#1e7b3c", "#b42318", "#6b2fa0", "#4a5a6b"]
WIDTH, HEIGHT = 520, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 48


def _open(title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]


def bars(categories: list[str], series: dict[str, list[float]], *, title: str) -> SafeString:
    """Grouped vertical bars: one group per category, one bar (and legend colour) per series."""
    top = max((value for values in series.values() for value in values), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        *_open(title),
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#1d2630"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_number(top)}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for index, category in enumerate(categories):
        x0 = LEFT + index * group_w + group_w * 0.1
        for number, values in enumerate(series.values()):
            height = plot_h * values[index] / top
            parts.append(
                f'<rect x="{x0 + number * bar_w:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}" fill="{_colour(number)}">'
                f"<title>{escape(category)}: {_number(values[index])}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{TOP + plot_h + 14}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    for number, name in enumerate(series):
        x = LEFT + number * 130
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 18}" width="10" height="10" fill="{_colour(number)}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 9}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    # Every label above is escaped; the rest are numbers.
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class Point:
    """One value of a series at a moment; ``outside`` marks it (e.g. out of its band)."""

    at: datetime
    value: float
    outside: bool = False


BAND, OUTSIDE = "#dff3e2", "#b42318"


def over_time(
    points: list[Point], *, band: tuple[float, float], title: str, unit: str = ""
) -> SafeString:
    """A series as a line over time (oldest left), the band shaded, the points outside it
    drawn as red dots; the axis names the band's limits and the first and last moments."""
    low, high = band
    values = [point.value for point in points]
    bottom, top = min([*values, low]), max([*values, high])
    margin = (top - bottom) * 0.1 or 1
    bottom, top = bottom - margin, top + margin
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds()

    def x(point: Point) -> float:
        share = (point.at - first).total_seconds() / span if span else 0.5
        return LEFT + plot_w * share

    def y(value: float) -> float:
        return TOP + plot_h * (top - value) / (top - bottom)

    parts = [
        *_open(title),
        f'<rect x="{LEFT}" y="{y(high):.1f}" width="{plot_w}" height="{y(low) - y(high):.1f}" '
        f'fill="{BAND}"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#1d2630"/>',
    ]
    for limit in (low, high):
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(limit) + 4:.1f}" text-anchor="end">{_number(limit)}</text>'
        )
    line = " ".join(f"{x(point):.1f},{y(point.value):.1f}" for point in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}"/>')
    for point in points:
        if point.outside:
            parts.append(
                f'<circle cx="{x(point):.1f}" cy="{y(point.value):.1f}" r="3.5" '
                f'fill="{OUTSIDE}"><title>{point.at:%Y-%m-%d %H:%M}: '
                f"{_number(point.value)}{escape(unit)}</title></circle>"
            )
    for anchor, moment, at_x in (("start", first, LEFT), ("end", last, WIDTH - RIGHT)):
        parts.append(
            f'<text x="{at_x}" y="{TOP + plot_h + 14}" text-anchor="{anchor}">'
            f"{moment:%Y-%m-%d %H:%M}</text>"
        )
    legend_y = HEIGHT - 18
    parts.append(
        f'<rect x="{LEFT}" y="{legend_y}" width="10" height="10" fill="{BAND}" stroke="#1e7b3c"/>'
        f'<text x="{LEFT + 14}" y="{legend_y + 9}">band {_number(low)} to {_number(high)}'
        f"{escape(unit)}</text>"
        f'<circle cx="{LEFT + 175}" cy="{legend_y + 5}" r="3.5" fill="{OUTSIDE}"/>'
        f'<text x="{LEFT + 183}" y="{legend_y + 9}">outside the band</text>'
    )
    parts.append("</svg>")
    # Labels are escaped above; the rest are numbers and formatted moments.
    return mark_safe("".join(parts))


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]


def _number(value: float) -> str:
    return f"{value:g}"

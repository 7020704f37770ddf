"""Small bar charts drawn as SVG on the server: no script, no style attribute (the CSP allows
neither inline), printable, and built from numbers alone (labels are escaped)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b5cad", "#c58a00", "#1e7b3c", "#b42318", "#6b2fa0", "#4a5a6b"]
WIDTH, HEIGHT = 520, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 48


def bars(categories: list[str], series: dict[str, list[float]], *, title: str) -> SafeString:
    """Grouped vertical bars: one group per category, one bar (and legend colour) per series."""
    top = max((value for values in series.values() for value in values), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
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


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]


def _number(value: float) -> str:
    return f"{value:g}"

"""Server-rendered SVG bar charts (pure): no JavaScript, readable by screen readers through a
<title> and a table fallback the template renders beside it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 480, 160, 24


def bar_chart(title: str, points: Sequence[tuple[str, float]], *, unit: str = "") -> str:
    """An SVG string; labels and the title are escaped."""
    n = max(1, len(points))
    top = max([v for _, v in points] + [1e-9])
    bar = (WIDTH - 2 * PAD) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + PAD}" '
        f'role="img" class="chart"><title>{escape(title)}</title>'
    ]
    for k, (label, value) in enumerate(points):
        h = (HEIGHT - 2 * PAD) * (value / top) if top > 0 else 0
        x = PAD + k * bar
        y = HEIGHT - PAD - h
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{max(bar - 4, 1):.1f}" height="{h:.1f}" '
            f'fill="currentColor"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
        )
        if n <= 16 or k % max(1, n // 8) == 0:
            # The value above its bar (a zero bar is otherwise invisible), the label below.
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="14" '
                f'text-anchor="middle" class="chart__value">{value:g}{escape(unit)}</text>'
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 6}" font-size="14" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(
    title: str, groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> str:
    """Bars side by side per group (one per series, told apart by opacity and a legend), all
    on one scale. An SVG string; labels, series names and the title are escaped."""
    n, s = max(1, len(groups)), max(1, len(series))
    top = max([v for _, values in series for v in values] + [1e-9])
    legend = 16
    slot = (WIDTH - 2 * PAD) / n
    bar = max((slot - 8) / s, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + PAD + legend}" '
        f'role="img" class="chart"><title>{escape(title)}</title>'
    ]
    shades = [1.0, 0.6, 0.3, 0.8, 0.45]
    for k, (name, _) in enumerate(series):
        x = PAD + k * 130
        parts.append(
            f'<rect x="{x}" y="2" width="10" height="10" fill="currentColor" '
            f'fill-opacity="{shades[k % len(shades)]}"></rect>'
            f'<text x="{x + 14}" y="11" font-size="10">{escape(name)}</text>'
        )
    for g, label in enumerate(groups):
        x0 = PAD + g * slot + 4
        for k, (name, values) in enumerate(series):
            value = values[g]
            h = (HEIGHT - 2 * PAD) * (value / top) if top > 0 else 0
            y = legend + HEIGHT - PAD - h
            parts.append(
                f'<rect x="{x0 + k * bar:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="currentColor" '
                f'fill-opacity="{shades[k % len(shades)]}">'
                f"<title>{escape(label)}, {escape(name)}: {value:g}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + slot / 2 - 4:.1f}" y="{legend + HEIGHT - 6}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

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

"""Server-rendered SVG bar charts (pure): no JavaScript, readable by screen readers through a
<title> and a table fallback the template renders beside it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 480, 160, 24
# A bar's label: at most LABEL_SIZE, shrunk to fit its bar down to MIN_LABEL_SIZE, then on two
# lines, then cut with an ellipsis (the bar's <title> and the table beside keep it whole).
# CHAR_EM: the average width of a character in ems for the sans-serif the page uses.
LABEL_SIZE, MIN_LABEL_SIZE, CHAR_EM = 14.0, 10.0, 0.6


def fit_label(label: str, width: float) -> tuple[float, list[str]]:
    """(font size, lines) for `label` under a bar `width` wide (pure; see LABEL_SIZE)."""
    room = max(width - 6, 1)

    def size_for(lines: list[str]) -> float:
        return min(LABEL_SIZE, room / (CHAR_EM * max(len(line) for line in lines)))

    one = [label]
    if size_for(one) >= MIN_LABEL_SIZE or not label:
        return size_for(one), one
    spaces = [i for i, c in enumerate(label) if c in " _-"]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
        two = [label[: cut + (label[cut] == "-")].strip(" _"), label[cut + 1 :].strip(" _")]
        if all(two) and size_for(two) >= MIN_LABEL_SIZE:
            return size_for(two), two
    keep = max(1, int(room / (CHAR_EM * MIN_LABEL_SIZE)) - 1)
    return MIN_LABEL_SIZE, [label[:keep].rstrip() + "…"]


def _label_text(x: float, y: float, label: str, width: float) -> str:
    size, lines = fit_label(label, width)
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if n == 0 else size * 1.1:.1f}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    top = y - (len(lines) - 1) * size * 0.55  # two lines sit around the one line's place
    return (
        f'<text x="{x:.1f}" y="{top:.1f}" font-size="{size:.1f}" text-anchor="middle">'
        f"{spans}</text>"
    )


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
        every = 1 if n <= 16 else max(1, n // 8)  # many bars: every `every`-th is labelled
        if k % every == 0:
            # The value above its bar (a zero bar is otherwise invisible), the label below.
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="14" '
                f'text-anchor="middle" class="chart__value">{value:g}{escape(unit)}</text>'
                + _label_text(x + bar / 2, HEIGHT - 6, label, bar * every)
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
        parts.append(_label_text(x0 + slot / 2 - 4, legend + HEIGHT - 6, label, slot))
    parts.append("</svg>")
    return "".join(parts)

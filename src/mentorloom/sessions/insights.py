"""Pure aggregation for trait feedback: k-anonymous averages and a trend chart's geometry.

No Django here: selectors load (mentee_id, month, ratings) rows, these functions decide what
a mentor may see. Every number handed out covers at least `k` distinct mentees, so no single
mentee's rating can be recovered (a month with fewer raters is left off the trend).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

TRAIT_KEYS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


@dataclass(frozen=True)
class Rating:
    mentee_id: int
    month: str  # "YYYY-MM" in UTC
    traits: dict[str, int]
    useful: bool


@dataclass
class Summary:
    enough: bool
    k: int
    raters: int
    ratings: int = 0
    averages: dict[str, float] = field(default_factory=dict)
    useful_share: float | None = None
    trend: list[tuple[str, float]] = field(default_factory=list)  # (month, mean of traits)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2)


def summarise(ratings: list[Rating], k: int) -> Summary:
    """Averages per trait and per month, or `enough=False` below k distinct mentees."""
    raters = len({r.mentee_id for r in ratings})
    if raters < k or not ratings:
        return Summary(enough=False, k=k, raters=raters)
    averages = {t: _mean([r.traits[t] for r in ratings]) for t in TRAIT_KEYS}
    useful_share = round(sum(r.useful for r in ratings) / len(ratings), 2)
    by_month: dict[str, list[Rating]] = defaultdict(list)
    for r in ratings:
        by_month[r.month].append(r)
    trend = [
        (month, _mean([sum(r.traits.values()) / len(TRAIT_KEYS) for r in rows]))
        for month, rows in sorted(by_month.items())
        if len({r.mentee_id for r in rows}) >= k
    ]
    return Summary(True, k, raters, len(ratings), averages, useful_share, trend)


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    value: float


def trend_points(
    trend: list[tuple[str, float]], *, width: int = 560, height: int = 200, pad: int = 32
) -> list[ChartPoint]:
    """Positions for an SVG polyline: x spread evenly, y maps 1..5 onto the plot height."""
    if not trend:
        return []
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / (len(trend) - 1) if len(trend) > 1 else 0
    points = []
    for i, (month, value) in enumerate(trend):
        x = pad + (i * step if len(trend) > 1 else inner_w / 2)
        y = pad + inner_h * (5 - value) / 4
        points.append(ChartPoint(round(x, 1), round(y, 1), month, value))
    return points


# --- Program admins --------------------------------------------------------------------------

ALERT_WINDOW = 5  # the last N ratings of a mentor
ALERT_THRESHOLD = 3.0  # a trait average strictly below this raises an alert


@dataclass(frozen=True)
class Alert:
    mentor_id: int
    trait: str
    average: float
    window: int


def low_score_alerts(
    latest_first: dict[int, list[dict[str, int]]],
    *,
    window: int = ALERT_WINDOW,
    threshold: float = ALERT_THRESHOLD,
) -> list[Alert]:
    """One alert per (mentor, trait) whose average over the mentor's last `window` ratings is
    below `threshold`. `latest_first` maps mentor id → trait dicts, newest first.

    Mentors with fewer than `window` ratings get no alert: an average over one or two ratings
    is noise, and it would point straight at the few mentees who gave them.
    """
    alerts: list[Alert] = []
    for mentor_id, ratings in latest_first.items():
        recent = ratings[:window]
        if len(recent) < window:
            continue
        for trait in TRAIT_KEYS:
            values = [r[trait] for r in recent]
            # Compare the exact mean, not the rounded one shown to people.
            if sum(values) / len(values) < threshold:
                alerts.append(Alert(mentor_id, trait, _mean(values), window))
    return alerts

"""Pure aggregation for trait feedback: k-anonymous averages and a trend chart's geometry.

No Django here: selectors load (mentee_id, month, ratings) rows, these functions decide what
a mentor may see. Every number handed out covers at least `k` distinct mentees, so no single
mentee's rating can be recovered (a month with fewer raters is left off the trend).

k per answer is not enough on its own: two answers whose rating sets differ by one mentee give
that mentee's rating by subtraction. So figures are only published in weekly releases
(`choose_releases`), and a new figure is published only if its ratings differ from every
figure published before (any period, any month, any week) by 0 or by >= k distinct mentees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

TRAIT_KEYS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")

# The only periods anyone can ask for (key → days, None = all time). Free-form day counts
# let a mentor subtract two neighbouring windows and isolate one mentee.
PERIODS: dict[str, int | None] = {"90d": 90, "12m": 365, "all": None}
PERIOD_LABELS = {"90d": "Last 90 days", "12m": "Last 12 months", "all": "All time"}

# Staff alerts read the mentor's last ALERT_WINDOW ratings: one more released figure, with the
# same rules as the periods (it is compared with them and they with it).
ALERT_KEY = "last5"

# (feedback id, mentee id, version): a rating as it was when counted. An edit is a new version,
# so an edited rating counts as changed and its mentee as one who "moved".
Token = tuple[int, int, str]


@dataclass(frozen=True)
class Rating:
    mentee_id: int
    month: str  # "YYYY-MM" in UTC
    traits: dict[str, int]
    useful: bool
    feedback_id: int = 0
    version: str = ""

    @property
    def token(self) -> Token:
        return (self.feedback_id, self.mentee_id, self.version)


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
    """Averages per trait (no trend), or `enough=False` below k distinct mentees."""
    raters = len({r.mentee_id for r in ratings})
    if raters < k or not ratings:
        return Summary(enough=False, k=k, raters=raters)
    averages = {t: _mean([r.traits[t] for r in ratings]) for t in TRAIT_KEYS}
    useful_share = round(sum(r.useful for r in ratings) / len(ratings), 2)
    return Summary(True, k, raters, len(ratings), averages, useful_share)


def by_month(ratings: list[Rating]) -> dict[str, list[Rating]]:
    """Ratings grouped by calendar month ("YYYY-MM"), months in order."""
    groups: dict[str, list[Rating]] = defaultdict(list)
    for r in ratings:
        groups[r.month].append(r)
    return dict(sorted(groups.items()))


def overall_mean(ratings: list[Rating]) -> float:
    """The trend chart's value for a month: the mean over ratings of their mean trait."""
    return _mean([sum(r.traits.values()) / len(TRAIT_KEYS) for r in ratings])


# --- Releases: which figures may be published ------------------------------------------------

RELEASE_EVERY = timedelta(days=7)


def release_week(now: datetime) -> datetime:
    """Monday 00:00 UTC of `now`'s week: the week a release belongs to (one per week)."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def next_release_at(now: datetime) -> datetime:
    return release_week(now) + RELEASE_EVERY


def raters_apart(a: Iterable[Token], b: Iterable[Token]) -> int:
    """Distinct mentees whose ratings are in one set and not the other (new, gone or edited)."""
    return len({token[1] for token in set(a) ^ set(b)})


def safe_pair(a: Iterable[Token], b: Iterable[Token], k: int) -> bool:
    """Two published figures may coexist only if they cover the same ratings or differ by at
    least k mentees: otherwise subtracting one from the other isolates fewer than k."""
    apart = raters_apart(a, b)
    return apart == 0 or apart >= k


def seen_together(key_a: str, key_b: str) -> bool:
    """Whether one audience can obtain both figures: mentors see the periods and the trend
    months, staff the periods and the alert window; nobody sees a month and the window."""
    return (
        ALERT_KEY not in (key_a, key_b)
        or (key_a in PERIODS or key_b in PERIODS)
        or (key_a == key_b)
    )


def choose_releases(
    candidates: list[tuple[str, frozenset[Token]]],
    current: dict[str, frozenset[Token]],
    history: list[tuple[str, frozenset[Token]]],
    k: int,
) -> list[str]:
    """The candidate keys to publish now, in candidate order (shorter periods first).

    `candidates` are this week's (key, ratings) per period, alert window and month; `current`
    the figure now served per key; `history` every (key, ratings) ever published for this
    mentor. A candidate is published when it covers >= k mentees, differs from what is
    served, and is a `safe_pair` with every figure the same audience could have seen: those
    published before and those chosen earlier in this run. A candidate that fails leaves the
    previous figure (if any) in place.
    """
    chosen: list[str] = []
    published = list(history)
    for key, tokens in candidates:
        if len({t[1] for t in tokens}) < k:
            continue
        if current.get(key) == tokens:
            continue
        if all(
            safe_pair(tokens, before, k) for other, before in published if seen_together(key, other)
        ):
            chosen.append(key)
            published.append((key, tokens))
    return chosen


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
    averages = {
        mentor_id: {t: _mean([r[t] for r in ratings[:window]]) for t in TRAIT_KEYS}
        for mentor_id, ratings in latest_first.items()
        if len(ratings) >= window
    }
    return alerts_from_window_averages(averages, window=window, threshold=threshold)


def alerts_from_window_averages(
    averages: dict[int, dict[str, float]],
    *,
    window: int = ALERT_WINDOW,
    threshold: float = ALERT_THRESHOLD,
) -> list[Alert]:
    """Alerts from per-mentor trait averages over a `window`-rating window (as released).

    A mean of 5 whole numbers is a multiple of 0.2, so its 2-decimal rounding is exact and
    exactly 3.0 is never an alert.
    """
    return [
        Alert(mentor_id, trait, by_trait[trait], window)
        for mentor_id, by_trait in averages.items()
        for trait in TRAIT_KEYS
        if by_trait[trait] < threshold
    ]

"""Pure aggregation for trait feedback: k-anonymous averages and a trend chart's geometry.

No Django here: selectors load released batches, these functions decide what a mentor (or
staff) may see. Every number handed out covers at least `k` distinct mentees (a month with
fewer is left off the trend).

k per answer is not enough on its own: two answers whose rating sets differ by one mentee give
that mentee's rating by subtraction (35 vs 45 days; or all time minus the plotted months). So
ratings are released in immutable batches, each of final ratings by >= k distinct mentees,
and every figure anyone sees is a union of whole batches: any sum or difference of figures is
then a combination of batches, which always covers >= k mentees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

TRAIT_KEYS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")

# The only periods anyone can ask for (key → days, None = all time). Free-form day counts
# let a mentor subtract two neighbouring windows and isolate one mentee.
PERIODS: dict[str, int | None] = {"90d": 90, "12m": 365, "all": None}
PERIOD_LABELS = {"90d": "Last 90 days", "12m": "Last 12 months", "all": "All time"}


@dataclass(frozen=True)
class Rating:
    mentee_id: int | None  # None: a rater whose account was erased (all of them count as one)
    month: str  # "YYYY-MM" in UTC
    traits: dict[str, int]
    useful: bool
    # Whether the rater makes up k (`counts_towards_k`): a rating that does not still goes
    # out, in a later batch that has k raters who do.
    counts_towards_k: bool = True


# --- Who makes up k (sock puppets) -----------------------------------------------------------

# k distinct accounts alone is cheap to fake: a mentor signs up me+p1@, me+p2@, has them book
# a session each and rate it with known values, and subtracts them from the batch the target's
# rating goes out in. No rule stops a determined Sybil; these raise the cost (docs/sessions.md).
ESTABLISHED_AFTER = timedelta(days=30)


def address_key(email: str) -> tuple[str, str]:
    """(local part before any "+", domain), lower-cased: me+p1@x.org and Me@X.org share one."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    return local.split("+", 1)[0], domain


def linked_addresses(a: str, b: str) -> bool:
    """Two addresses obviously of one person (same mailbox bar a "+tag")."""
    return bool(a and b) and address_key(a) == address_key(b)


def counts_towards_k(
    *,
    rater_email: str,
    rater_verified: bool,
    rater_joined_at: datetime,
    rated_starts_at: datetime,
    rated_ends_at: datetime,
    rated_was_held: bool,
    owner_email: str,
    now: datetime,
) -> bool:
    """Whether a rater is *established* and independent, so they make up k for the figure's
    owner (the mentor, a workshop's facilitator): a verified address, an account that existed
    ESTABLISHED_AFTER before the rated session started, a session that ended and was not
    cancelled or a no-show, and an address not the owner's own bar a "+tag"."""
    return (
        rater_verified
        and rater_joined_at <= rated_starts_at - ESTABLISHED_AFTER
        and rated_was_held
        and rated_ends_at <= now
        and not linked_addresses(rater_email, owner_email)
    )


def releasable(ratings: list[Rating], k: int) -> list[int]:
    """Indexes of the pending ratings (oldest first) one batch releases now, or [] to wait.

    A batch needs >= k distinct raters who count towards k (`counts_towards_k`), and no one
    rater may hold more than half of its ratings: one mentee's many ratings would make the
    figure theirs. A rater with more than everyone else together goes in with their oldest
    ratings up to that number (the rest wait for a later batch, never lost). All erased
    raters (mentee None) are one rater here too."""
    counting = {r.mentee_id for r in ratings if r.counts_towards_k}
    if len(counting) < max(k, 1):
        return []
    per_rater: dict[int | None, int] = defaultdict(int)
    for r in ratings:
        per_rater[r.mentee_id] += 1
    top, most = max(per_rater.items(), key=lambda item: item[1])
    others = len(ratings) - most
    cap = most if len(per_rater) < 2 else min(most, others)  # one rater at all: only when k=1
    taken: list[int] = []
    for i, r in enumerate(ratings):
        if r.mentee_id == top:
            if cap == 0:
                continue
            cap -= 1
        taken.append(i)
    return taken


@dataclass
class Summary:
    enough: bool
    k: int
    raters: int
    ratings: int = 0
    averages: dict[str, float] = field(default_factory=dict)
    useful_share: float | None = None
    overall: float | None = None  # mean of all traits over all ratings (the trend's value)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2)


def summarise(ratings: list[Rating], k: int) -> Summary:
    """Averages per trait over raw ratings, or `enough=False` below k distinct mentees (all
    erased raters together count as one, so k is never overstated)."""
    mentees = {r.mentee_id for r in ratings}
    sums = {t: sum(r.traits[t] for r in ratings) for t in TRAIT_KEYS}
    return _summary(mentees, len(ratings), sums, sum(r.useful for r in ratings), k)


def _summary(
    mentees: set[int | None], ratings: int, sums: dict[str, int], useful: int, k: int
) -> Summary:
    if len(mentees) < k or not ratings:
        return Summary(enough=False, k=k, raters=len(mentees))
    averages = {t: round(sums[t] / ratings, 2) for t in TRAIT_KEYS}
    overall = round(sum(sums.values()) / (ratings * len(TRAIT_KEYS)), 2)
    useful_share = round(useful / ratings, 2)
    return Summary(True, k, len(mentees), ratings, averages, useful_share, overall)


# --- Release batches -------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One released batch: final ratings (past the edit window) by >= k mentees, released
    together and never changed afterwards. Figures are unions of whole batches."""

    mentee_ids: frozenset[int | None]
    ratings: int
    sums: dict[str, int]  # trait → sum over the batch's ratings
    useful: int  # how many of its ratings found the session useful
    # Decides the trend month and the periods it is in: a period takes a batch whole when its
    # newest rating falls inside, so a period's edge never splits a batch.
    newest_rated_at: datetime

    @property
    def month(self) -> str:
        return f"{self.newest_rated_at.astimezone(UTC):%Y-%m}"


def combine(batches: list[Batch], k: int) -> Summary:
    """The figure over whole batches (never part of one)."""
    mentees: set[int | None] = set().union(*(b.mentee_ids for b in batches)) if batches else set()
    sums = {t: sum(b.sums[t] for b in batches) for t in TRAIT_KEYS}
    return _summary(
        mentees, sum(b.ratings for b in batches), sums, sum(b.useful for b in batches), k
    )


@dataclass(frozen=True)
class TrendPoint:
    month: str
    value: float
    ratings: int


def trend(batches: list[Batch], k: int) -> list[TrendPoint]:
    """One point per month (the month of each batch's newest rating), months in order; a
    month needs >= k distinct mentees of its own to be plotted."""
    by_month: dict[str, list[Batch]] = defaultdict(list)
    for b in batches:
        by_month[b.month].append(b)
    points = []
    for month, group in sorted(by_month.items()):
        summary = combine(group, k)
        if summary.enough and summary.overall is not None:
            points.append(TrendPoint(month, summary.overall, summary.ratings))
    return points


def alert_window(newest_first: list[Batch], window: int) -> list[Batch]:
    """The newest whole batches that together hold >= `window` ratings ([] if all fall short)."""
    taken: list[Batch] = []
    for b in newest_first:
        taken.append(b)
        if sum(t.ratings for t in taken) >= window:
            return taken
    return []


RELEASE_EVERY = timedelta(days=7)


def release_week(now: datetime) -> datetime:
    """Monday 00:00 UTC of `now`'s week: the week a release belongs to (one per week)."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def next_release_at(now: datetime) -> datetime:
    return release_week(now) + RELEASE_EVERY


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


def alerts_from_window_averages(
    averages: dict[int, dict[str, float]],
    *,
    window: int = ALERT_WINDOW,
    threshold: float = ALERT_THRESHOLD,
    windows: dict[int, int] | None = None,
) -> list[Alert]:
    """Alerts from per-mentor trait averages over a window of ratings; `windows` gives a
    mentor's own window size when it differs (released batches hold >= `window` ratings).

    A mean of a few whole numbers rounds to 2 decimals without crossing 3.0, so exactly 3.0
    is never an alert.
    """
    sizes = windows or {}
    return [
        Alert(mentor_id, trait, by_trait[trait], sizes.get(mentor_id, window))
        for mentor_id, by_trait in averages.items()
        for trait in TRAIT_KEYS
        if by_trait[trait] < threshold
    ]

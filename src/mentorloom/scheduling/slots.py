"""Free booking slots from weekly rules in the mentor's zone. Pure: zoneinfo + stdlib, no Django.

Definitions (tested in tests/scheduling/test_slots.py):

* A *window* is a pair of local wall times on one local date in the mentor's zone. Weekly rules
  give each date its windows; a date override replaces them ("available" windows) or removes
  them (a "blocked" day, or a blocked part of a day).
* Candidates step back-to-back on the *wall clock* from each window's start: 09:00, 09:30, ...
  and a candidate is kept only if its whole wall interval [s, s + duration] fits in the window.
* A candidate whose wall start does not exist (spring-forward gap) is never offered, and one
  whose real interval contains a forward transition (it would straddle the gap, so its wall
  clock length differs from its real length) is dropped.
* An ambiguous wall start (fall-back) means its first occurrence (fold=0), so no instant is
  offered twice. A slot is always the real interval [start, start + duration).
* Sessions block their interval padded by the buffers, and a candidate needs the same padding
  (so two sessions are at least buffer_after + buffer_before apart); busy times block the
  padded candidate. Minimum notice, horizon and daily/weekly limits (counted per local date
  and ISO week in the mentor's zone) apply last.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]

AVAILABLE = "available"
BLOCKED = "blocked"
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class WeeklyRule:
    """A window on an ISO weekday (1 = Monday) as local wall times; end 00:00 = midnight."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DateOverride:
    """On `day`: extra/replacement hours (available) or blocked hours (no times = whole day)."""

    day: date
    kind: str  # AVAILABLE or BLOCKED
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class Limits:
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(hours=12)
    horizon: timedelta = timedelta(days=60)
    max_per_day: int | None = None
    max_per_week: int | None = None


def wall_end(day: date, end: time) -> datetime:
    """The naive wall datetime a window ends at; 00:00 means the midnight that ends `day`."""
    if end == time(0, 0):
        return datetime.combine(day + timedelta(days=1), time(0, 0))
    return datetime.combine(day, end)


def windows_overlap(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    """Whether two same-day wall windows share any time (touching ends do not overlap)."""
    day = date(2000, 1, 3)
    a0, a1 = datetime.combine(day, a_start), wall_end(day, a_end)
    b0, b1 = datetime.combine(day, b_start), wall_end(day, b_end)
    return a0 < b1 and b0 < a1


def is_valid_window(start: time, end: time) -> bool:
    day = date(2000, 1, 3)
    return datetime.combine(day, start) < wall_end(day, end)


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant for a naive wall time in `zone`: first occurrence when ambiguous,
    None when the wall time does not exist (it falls in a spring-forward gap)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def _subtract(windows: list[Interval], cut: Interval) -> list[Interval]:
    out: list[Interval] = []
    for start, end in windows:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def wall_windows_for(
    day: date, rules: Sequence[WeeklyRule], overrides: Sequence[DateOverride]
) -> list[Interval]:
    """Naive wall windows on local date `day` after overrides, merged and sorted."""
    todays = [o for o in overrides if o.day == day]
    extra = [o for o in todays if o.kind == AVAILABLE and o.start is not None and o.end]
    if extra:
        # Date-specific hours replace the weekly rules for that date (as people expect from
        # "on 24 Dec I'm free 10–12" — not "in addition to my usual Tuesday").
        windows = [(datetime.combine(day, o.start), wall_end(day, o.end)) for o in extra]  # type: ignore[arg-type]
    else:
        iso = day.isoweekday()
        windows = [
            (datetime.combine(day, r.start), wall_end(day, r.end))
            for r in rules
            if r.weekday == iso
        ]
    windows = _merge(w for w in windows if w[0] < w[1])
    for o in todays:
        if o.kind != BLOCKED:
            continue
        if o.start is None or o.end is None:
            return []
        windows = _subtract(windows, (datetime.combine(day, o.start), wall_end(day, o.end)))
    return windows


def _local_dates(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    # A day of margin each side: a window on the previous local date can run past midnight
    # into the range, and the range edges can fall on different dates in the mentor's zone.
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _straddles_gap(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """True if the clock jumps forward inside [start, end) (real instants, UTC)."""
    before = start.astimezone(zone).utcoffset()
    after = (end - _MICRO).astimezone(zone).utcoffset()
    assert before is not None and after is not None
    return after > before


def candidate_starts(
    *,
    zone: ZoneInfo,
    rules: Sequence[WeeklyRule],
    overrides: Sequence[DateOverride],
    duration: timedelta,
    range_start: datetime,
    range_end: datetime,
) -> list[datetime]:
    """Every start the rules allow in [range_start, range_end), before subtracting anything."""
    out: set[datetime] = set()
    for day in _local_dates(range_start, range_end, zone):
        for w_start, w_end in wall_windows_for(day, rules, overrides):
            wall = w_start
            while wall + duration <= w_end:
                instant = to_instant(wall, zone)
                if (
                    instant is not None
                    and range_start <= instant < range_end
                    and not _straddles_gap(instant, instant + duration, zone)
                ):
                    out.add(instant)
                wall += duration
    return sorted(out)


class _Blocked:
    """Sorted disjoint intervals with an O(log n) overlap test."""

    def __init__(self, intervals: Iterable[Interval]):
        self.intervals = _merge(i for i in intervals if i[0] < i[1])
        self.starts = [i[0] for i in self.intervals]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last interval starting before `end` is the only one that can reach past `start`
        # (the intervals are disjoint and sorted).
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.intervals[index][1] > start


def free_slots(
    *,
    zone: ZoneInfo,
    rules: Sequence[WeeklyRule],
    overrides: Sequence[DateOverride] = (),
    sessions: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
    limits: Limits = Limits(),
    duration: timedelta,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
) -> list[datetime]:
    """Sorted free start instants (aware, UTC) in [range_start, range_end).

    `sessions` are the mentor's booked sessions (they count towards the limits and get
    buffers); `busy` are other busy times (the booker's sessions, imported calendars).
    """
    if duration <= timedelta(0) or range_end <= range_start:
        return []
    earliest = now + limits.min_notice
    latest = now + limits.horizon
    lo, hi = max(range_start, earliest), min(range_end, latest + _MICRO)
    if hi <= lo:
        return []
    before, after = limits.buffer_before, limits.buffer_after
    margin = before + after + duration
    blocked = _Blocked(
        [(s - before, e + after) for s, e in sessions if e + margin > lo and s - margin < hi]
        + [(s, e) for s, e in busy if e + margin > lo and s - margin < hi]
    )
    per_day: Counter[date] = Counter()
    per_week: Counter[tuple[int, int]] = Counter()
    if limits.max_per_day is not None or limits.max_per_week is not None:
        for s, _e in sessions:
            local = s.astimezone(zone).date()
            per_day[local] += 1
            per_week[local.isocalendar()[:2]] += 1
    slots: list[datetime] = []
    candidates = candidate_starts(
        zone=zone,
        rules=rules,
        overrides=overrides,
        duration=duration,
        range_start=lo,
        range_end=hi,
    )
    for start in candidates:
        if blocked.overlaps(start - before, start + duration + after):
            continue
        if limits.max_per_day is not None or limits.max_per_week is not None:
            local = start.astimezone(zone).date()
            if limits.max_per_day is not None and per_day[local] >= limits.max_per_day:
                continue
            week = local.isocalendar()[:2]
            if limits.max_per_week is not None and per_week[week] >= limits.max_per_week:
                continue
        slots.append(start)
    return slots

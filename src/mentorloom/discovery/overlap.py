"""Time-zone overlap between two people's working hours. Pure functions: zoneinfo only.

Definition (documented in docs/discovery.md): both people's weekly working hours are laid out
as real instants for the week around `on` (each day's wall times converted with that day's
offset, so daylight saving is exact), intersected, and the overlap is the LONGEST single shared
stretch that starts in the week of `on`. "At least 2 h overlap" therefore means "on some working
day you can both meet for two hours in one sitting", which is what booking a call needs; adding
up scattered minutes across the week would not say that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class WorkingHours:
    """Someone's working hours: wall times in `zone` on ISO weekdays (1 = Monday).

    `end <= start` is an overnight shift that ends the next day; days are the days it starts.
    """

    zone: str
    start: time
    end: time
    days: tuple[int, ...]

    @classmethod
    def of(
        cls, zone: str, start: time, end: time, days: list[int] | tuple[int, ...]
    ) -> WorkingHours:
        clean_days = tuple(sorted({int(d) for d in days or () if 1 <= int(d) <= 7}))
        return cls(zone, start.replace(tzinfo=None), end.replace(tzinfo=None), clean_days)

    @property
    def key(self) -> str:
        """A stable text form, so equal schedules can be grouped in the database."""
        days = "".join(str(d) for d in self.days)
        return f"{self.zone}|{self.start:%H:%M}|{self.end:%H:%M}|{days}"

    @classmethod
    def from_key(cls, key: str) -> WorkingHours | None:
        try:
            zone, start, end, days = key.split("|")
            return cls.of(zone, time.fromisoformat(start), time.fromisoformat(end), list(days))
        except ValueError:
            return None


Interval = tuple[datetime, datetime]


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def working_intervals(hours: WorkingHours, first_day: date, last_day: date) -> list[Interval]:
    """UTC intervals worked on days first_day..last_day (local dates in the person's zone)."""
    zone = _zone(hours.zone)
    if zone is None or not hours.days:
        return []
    overnight = hours.end <= hours.start
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        if day.isoweekday() in hours.days:
            end_day = day + timedelta(days=1) if overnight else day
            starts = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            ends = datetime.combine(end_day, hours.end, tzinfo=zone).astimezone(UTC)
            if ends > starts:  # a day-long block collapsed by a DST jump is skipped
                intervals.append((starts, ends))
        day += timedelta(days=1)
    return intervals


def shared_intervals(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Intersection of two sorted, non-overlapping interval lists (two-pointer sweep)."""
    result: list[Interval] = []
    i = j = 0
    a, b = sorted(a), sorted(b)
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    # Back-to-back pieces (one person's shift crossing another's day boundary) are one sitting.
    merged: list[Interval] = []
    for start, end in result:
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=65536)
def overlap_hours(mine: WorkingHours, theirs: WorkingHours, on: date) -> float:
    """Longest shared working stretch, in hours, in the week (Monday–Sunday) containing `on`.

    A day either side of the week is included when laying out hours so that a shift starting
    on Sunday in Sydney, or an overnight shift, meets the other person's Monday correctly.
    Rounded down to the quarter hour so labels stay honest. 0.0 when either zone is unknown.
    """
    monday = on - timedelta(days=on.weekday())
    week_start = datetime.combine(monday, time(0), tzinfo=UTC) - timedelta(hours=14)
    week_end = week_start + timedelta(days=7, hours=28)
    span = (monday - timedelta(days=2), monday + timedelta(days=8))
    shared = shared_intervals(working_intervals(mine, *span), working_intervals(theirs, *span))
    longest = max(
        (end - start for start, end in shared if week_start <= start < week_end),
        default=timedelta(0),
    )
    quarters = int(longest.total_seconds() // 900)
    return quarters / 4


def format_hours(hours: float) -> str:
    """2.0 -> '2 h', 1.5 -> '1.5 h', 0.25 -> '0.25 h'."""
    return f"{hours:g} h"

"""Working hours and local time across zones. Pure functions: zoneinfo only, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def format_utc_offset(offset: timedelta | None) -> str:
    """'UTC+9', 'UTC+5:30', 'UTC-3', 'UTC' — the short form people recognise."""
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def format_days(days: list[int]) -> str:
    """ISO weekdays as compact text: [1..5] -> 'Mon–Fri', [1,3,5] -> 'Mon, Wed, Fri'.

    Runs wrap around the week, so Sunday-to-Thursday reads 'Sun–Thu', not 'Mon–Thu, Sun'.
    """
    ordered = sorted(set(days))
    if not ordered:
        return ""
    if len(ordered) == 7:
        return "Every day"
    # Start at the first day whose previous weekday is not included: the start of a run.
    start = next(i for i, d in enumerate(ordered) if (d - 2) % 7 + 1 not in ordered)
    ordered = ordered[start:] + ordered[:start]
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] % 7 + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = WEEKDAY_NAMES[run[0] - 1], WEEKDAY_NAMES[run[-1] - 1]
        if len(run) >= 3:
            parts.append(f"{first}–{last}")
        else:
            parts.extend(WEEKDAY_NAMES[d - 1] for d in run)
    return ", ".join(parts)


@dataclass(frozen=True)
class ConvertedHours:
    days: list[int]  # ISO weekdays on which the block starts, in the target zone
    start: time
    end: time
    ends_next_day: bool  # the block crosses midnight in the target zone


def convert_working_hours(
    days: list[int],
    start: time,
    end: time,
    from_zone: ZoneInfo,
    to_zone: ZoneInfo,
    on: date,
) -> ConvertedHours:
    """Working hours defined in `from_zone` as seen from `to_zone` during the week of `on`.

    Offsets are taken for that week, so the answer is correct for the current DST period.
    `end <= start` means an overnight block ending the next day.
    """
    monday = on - timedelta(days=on.weekday())
    target_days: set[int] = set()
    first: tuple[datetime, datetime] | None = None
    for iso_day in sorted(set(days)) or [on.isoweekday()]:
        day = monday + timedelta(days=iso_day - 1)
        end_day = day + timedelta(days=1) if end <= start else day  # overnight block
        starts = datetime.combine(day, start, tzinfo=from_zone).astimezone(to_zone)
        ends = datetime.combine(end_day, end, tzinfo=from_zone).astimezone(to_zone)
        if days:
            target_days.add(starts.isoweekday())
        first = first or (starts, ends)
    assert first is not None
    starts, ends = first
    return ConvertedHours(
        days=sorted(target_days),
        start=starts.time(),
        end=ends.time(),
        ends_next_day=ends.date() != starts.date(),
    )


def local_now(zone: ZoneInfo, now: datetime) -> datetime:
    """`now` (an aware instant) as wall time in `zone`."""
    return now.astimezone(zone)

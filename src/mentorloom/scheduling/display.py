"""How scheduling shows instants to people: wall time in their own zone. Pure (zoneinfo only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mentorloom.profiles.hours import WEEKDAY_NAMES, format_utc_offset

WEEKDAY_SHORT = WEEKDAY_NAMES


def local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone_name))


def when(instant: datetime, zone_name: str) -> str:
    """'Tue 10 Jun 2025, 09:00 (Asia/Tokyo, UTC+9)'; 'Tue 10 Jun 2025, 00:00 (UTC)'."""
    wall = local(instant, zone_name)
    offset = format_utc_offset(wall.utcoffset())
    label = zone_name if offset == zone_name else f"{zone_name}, {offset}"
    return f"{wall:%a %d %b %Y, %H:%M} ({label})"


def clock(instant: datetime, zone_name: str) -> str:
    return f"{local(instant, zone_name):%H:%M}"


@dataclass(frozen=True)
class Segment:
    x: int  # start, in half-hours from the viewer's local midnight (0..47)
    width: int  # in half-hours


def _runs(flags: list[bool]) -> list[Segment]:
    out: list[Segment] = []
    start = None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            out.append(Segment(start, index - start))
            start = None
    return out


def _working(wall: datetime, start: time, end: time, days: list[int]) -> bool:
    clock_time = wall.time()
    if start < end:
        return wall.isoweekday() in days and start <= clock_time < end
    # Overnight hours (22:00–06:00) belong to the day they start on.
    if clock_time >= start:
        return wall.isoweekday() in days
    yesterday = (wall.isoweekday() - 2) % 7 + 1
    return clock_time < end and yesterday in days


def overlap_strip(
    day: date,
    viewer_zone: str,
    viewer_hours: tuple[time, time, list[int]],
    other_zone: str,
    other_hours: tuple[time, time, list[int]],
) -> dict[str, list[Segment]]:
    """Half-hour runs of the viewer's local `day` when each side works, and when both do.

    Each half hour is checked as a real instant in both zones, so DST days come out right.
    """
    mine_zone, theirs_zone = ZoneInfo(viewer_zone), ZoneInfo(other_zone)
    midnight = datetime.combine(day, time(0), tzinfo=mine_zone).astimezone(UTC)
    mine, theirs = [], []
    for half in range(48):
        instant = midnight + timedelta(minutes=30 * half)
        mine.append(_working(instant.astimezone(mine_zone), *viewer_hours))
        theirs.append(_working(instant.astimezone(theirs_zone), *other_hours))
    both = [a and b for a, b in zip(mine, theirs, strict=True)]
    return {"mine": _runs(mine), "theirs": _runs(theirs), "both": _runs(both)}

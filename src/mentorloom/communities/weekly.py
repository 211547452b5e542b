"""When a weekly prompt is due. Pure: zoneinfo + stdlib + scheduling's wall-time rule.

A prompt repeats on an ISO weekday at a wall time in the community's zone, so it stays at
"Tuesday 18:00" for the community across DST changes (its UTC instant moves). A wall time
in a spring-forward gap is posted at the first instant after the gap (an hour later on the
clock) rather than skipped: a missed weekly discussion is worse than a late one. An ambiguous
fall-back time means its first occurrence (fold=0), as in scheduling/slots.py.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mentorloom.scheduling.slots import to_instant

# A prompt found more than this late (the workers were down) waits for next week.
CATCH_UP_WINDOW = timedelta(hours=24)


def occurrence_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `wall` on local `day` (moved past a spring-forward gap)."""
    local = datetime.combine(day, wall)
    instant = to_instant(local, zone)
    while instant is None:  # inside a gap: the clock skipped it; the next existing minute
        local += timedelta(minutes=30)
        instant = to_instant(local, zone)
    return instant


def latest_occurrence(
    now: datetime, weekday: int, wall: time, zone: ZoneInfo
) -> tuple[date, datetime]:
    """The newest occurrence at or before `now`: (local day, UTC instant)."""
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.isoweekday() - weekday) % 7)
    instant = occurrence_instant(day, wall, zone)
    if instant > now:
        day -= timedelta(days=7)
        instant = occurrence_instant(day, wall, zone)
    return day, instant


def due_occurrence(
    now: datetime, weekday: int, wall: time, zone: ZoneInfo, *, not_before: datetime
) -> date | None:
    """The local day of the occurrence to post now, or None: the newest one at or before
    `now`, if it is no older than CATCH_UP_WINDOW and not before `not_before` (the prompt's
    creation: a new prompt never posts last week's discussion)."""
    day, instant = latest_occurrence(now, weekday, wall, zone)
    if instant < not_before or now - instant > CATCH_UP_WINDOW:
        return None
    return day


def next_occurrence(now: datetime, weekday: int, wall: time, zone: ZoneInfo) -> datetime:
    """The first occurrence strictly after `now` (UTC), for pages that say "next on …"."""
    day, _instant = latest_occurrence(now, weekday, wall, zone)
    return occurrence_instant(day + timedelta(days=7), wall, zone)

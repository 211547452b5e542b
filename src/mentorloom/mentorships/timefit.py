"""How two people's days fit together, for the pages where someone decides (request form, the
mentor's request page, booking). Pure: zoneinfo and discovery.overlap only, no database.

Issue 26: a Mexico City mentee asked a Tokyo mentor with 0 h overlap and 03:30 slots without a
word of warning. The overlap is discovery's definition (longest shared working stretch this
week), so the number matches the directory card and its filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mentorloom.discovery.overlap import WorkingHours, format_hours, overlap_hours

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def profile_of(user: Any) -> Any:
    """The user's profile, or None when they have none yet (Django's missing-related error is
    an AttributeError)."""
    return getattr(user, "profile", None)


def is_night(instant: datetime, zone_name: str) -> bool:
    """22:00–07:00 on the wall clock of `zone_name` (the viewer's night)."""
    zone = _zone(zone_name)
    wall = instant.astimezone(zone).time() if zone else instant.time()
    return wall >= NIGHT_STARTS or wall < NIGHT_ENDS


@dataclass(frozen=True)
class TimeFit:
    other_name: str
    other_zone: str | None
    other_local_time: str | None  # "03:30", now, on their wall clock
    other_weekday: str | None  # "Tue" when their day differs from the viewer's, else None
    overlap: float | None  # hours; None when either side has no time zone
    mentee_meets_outside_hours: bool  # the mentee said "I can meet outside my working hours"

    @property
    def overlap_label(self) -> str | None:
        return format_hours(self.overlap) if self.overlap is not None else None

    @property
    def no_overlap(self) -> bool:
        return self.overlap == 0


def _hours(profile: Any) -> WorkingHours | None:
    if profile is None or _zone(profile.time_zone) is None:
        return None
    return WorkingHours.of(
        profile.time_zone, profile.work_start, profile.work_end, profile.work_days
    )


def time_fit(viewer: Any, other: Any, now: datetime, *, mentee: Any = None) -> TimeFit:
    """The fit between `viewer`'s and `other`'s profiles (either may be None) at `now`.
    `mentee` is whichever of the two is the mentee (whose "outside my hours" counts)."""
    mine, theirs = _hours(viewer), _hours(other)
    other_zone = _zone(other.time_zone) if other is not None else None
    my_zone = _zone(viewer.time_zone) if viewer is not None else None
    overlap = None
    if mine is not None and theirs is not None:
        overlap = overlap_hours(mine, theirs, now.astimezone(my_zone).date())
    local = now.astimezone(other_zone) if other_zone else None
    differs = (
        local is not None and my_zone is not None and local.date() != now.astimezone(my_zone).date()
    )
    return TimeFit(
        other_name=other.name if other is not None else "",
        other_zone=other_zone.key if other_zone else None,
        other_local_time=f"{local:%H:%M}" if local else None,
        other_weekday=f"{local:%a}" if differs and local else None,
        overlap=overlap,
        mentee_meets_outside_hours=bool(getattr(mentee, "meets_outside_hours", False)),
    )

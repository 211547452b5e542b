"""Zones with clock changes for the DST tests: where each offset change happens, to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc", "SystemV"))
)
# Both hemispheres, 30- and 45-minute offsets and shifts, a midnight change, negative DST.
NAMED = (
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Berlin",
    "America/St_Johns",
    "Europe/Dublin",
)
FROM, UNTIL = datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)


def transitions(zone: ZoneInfo, start: datetime = FROM, end: datetime = UNTIL) -> list[datetime]:
    """UTC instants where `zone`'s offset changes in [start, end), found to the minute."""
    found = []
    day = start
    while day < end:
        nxt = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            low, high = day, nxt
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = mid
                else:
                    high = mid
            found.append(high.replace(second=0, microsecond=0))
        day = nxt
    return found


def sample_zones(size: int = 30) -> list[str]:
    """NAMED plus an even spread of the other zones that change their clocks."""
    changing = [
        z
        for z in ZONES
        if datetime(2026, 1, 15, tzinfo=UTC).astimezone(ZoneInfo(z)).utcoffset()
        != datetime(2026, 7, 15, tzinfo=UTC).astimezone(ZoneInfo(z)).utcoffset()
    ]
    rest = [z for z in changing if z not in NAMED]
    picked = list(NAMED) + rest[:: max(1, len(rest) // (size - len(NAMED)))][: size - len(NAMED)]
    assert all(transitions(ZoneInfo(z)) for z in picked)
    return picked


SAMPLE = sample_zones()
TRANSITIONS = [(name, moment) for name in SAMPLE for moment in transitions(ZoneInfo(name))]


def near(zone_name: str, moment: datetime, minutes: int) -> datetime:
    """The naive wall time `minutes` after the clock's reading just before `moment`: inside
    the gap (spring) or the repeated hour (autumn) for small positive / negative minutes."""
    before = (moment - timedelta(minutes=1)).astimezone(ZoneInfo(zone_name)).utcoffset()
    assert before is not None
    return (moment + before).replace(tzinfo=None) + timedelta(minutes=minutes)

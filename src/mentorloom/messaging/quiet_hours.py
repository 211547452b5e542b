"""Quiet hours: reading them from an agreement's free text and deciding when they end.

Pure (no Django). The agreement field is prose the pair edits, e.g. the generated draft
"Mira: no messages expected outside Mon–Fri 09:00–17:00 (Europe/Berlin)" or a hand-written
"Mo: 22:00-07:00 (Asia/Tokyo)". A line is about one person when it starts with their name and a
colon; "outside A–B" means the quiet time is B→A (overnight). Weekdays are not interpreted: the
same daily window applies every day (a deliberate simplification; the hook returns one window).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache

_CLOCK = r"(?<!\d)(\d{1,2})(?:[:.](\d{2}))?(?:\s*(am|pm|a\.m\.|p\.m\.)(?![a-z]))?"
_RANGE = re.compile(_CLOCK + r"\s*(?:–|—|-|to|until)\s*" + _CLOCK, re.IGNORECASE)
_ZONE = re.compile(r"\b([A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+|UTC)\b")
_OWNER = re.compile(r"^\s*([^:\n]{1,80}):")


@dataclass(frozen=True)
class QuietHours:
    start: time  # local wall time in `zone` when quiet begins
    end: time  # local wall time when it ends (before `start` means it crosses midnight)
    zone: str  # IANA name

    def as_tuple(self) -> tuple[time, time, str]:
        return (self.start, self.end, self.zone)


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if h == 24 and m == 0:
        h = 0
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _zone_in(text: str) -> str | None:
    for candidate in _ZONE.findall(text):
        if candidate in _zones():
            return candidate
    return None


def _window_in(line: str, default_zone: str) -> QuietHours | None:
    match = _RANGE.search(line)
    if match is None:
        return None
    first = _clock(*match.group(1, 2, 3))
    second = _clock(*match.group(4, 5, 6))
    if first is None or second is None or first == second:
        return None
    zone = _zone_in(line) or default_zone
    if re.search(r"\boutside\b", line[: match.start()], re.IGNORECASE):
        # "no messages outside 09:00–17:00" → quiet from 17:00 until 09:00.
        first, second = second, first
    return QuietHours(first, second, zone)


def parse_quiet_hours(
    text: str, *, name: str, other_names: list[str], default_zone: str
) -> QuietHours | None:
    """The quiet-hours window that applies to the person called `name`, or None.

    A line starting with "<name>:" wins; otherwise a line with no owner, or owned by someone who
    is not another participant (a shared rule such as "Both: 22:00–07:00"). Lines owned by
    another participant never apply. `default_zone` is used when the line names no zone.
    """
    if default_zone not in _zones():
        default_zone = "UTC"
    mine: list[str] = []
    shared: list[str] = []
    lowered_others = {n.strip().lower() for n in other_names if n.strip()}
    for line in (text or "").splitlines():
        owner = _OWNER.match(line)
        who = owner.group(1).strip().lower() if owner else ""
        if who and who == name.strip().lower():
            mine.append(line)
        elif who not in lowered_others or not who:
            shared.append(line)
    for line in mine + shared:
        window = _window_in(line, default_zone)
        if window is not None:
            return window
    return None


def quiet_until(now: datetime, start: time, end: time, zone: str) -> datetime | None:
    """If the aware instant `now` falls in the daily window [start, end) in `zone`, the instant
    (aware, in `zone`) it ends; else None. A window with end <= start crosses midnight."""
    tz = zoneinfo.ZoneInfo(zone)
    local = now.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:
        inside = start <= wall < end
        end_day = day
    else:
        inside = wall >= start or wall < end
        end_day = day + timedelta(days=1) if wall >= start else day
    if not inside:
        return None
    # Wall time → instant; a wall time skipped by a DST jump resolves forward (fold=0 rules).
    ends = datetime.combine(end_day, end, tzinfo=tz)
    return ends if ends > now else now


def common_open_minutes(first: QuietHours, second: QuietHours, day: datetime) -> int:
    """Minutes in the 24 hours from the aware instant `day` when neither person is in their
    quiet hours (15-minute steps, so DST days come out right). 0 means the two windows leave
    no common time at all, whatever the date."""
    step = timedelta(minutes=15)
    open_steps = 0
    for n in range(96):
        instant = day + n * step
        if (
            quiet_until(instant, *first.as_tuple()) is None
            and quiet_until(instant, *second.as_tuple()) is None
        ):
            open_steps += 1
    return open_steps * 15

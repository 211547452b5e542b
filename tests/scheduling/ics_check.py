"""Reading our .ics files back as a calendar app would: every event and RRULE instance expanded
by `recurring-ical-events`, with the zone database or with only the file's own VTIMEZONEs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import icalendar
import recurring_ical_events

WINDOW = (datetime(2000, 1, 1), datetime(2038, 1, 1))


def own_vtimezones_only(content: bytes | str) -> str:
    """The same file with every TZID renamed to one no zone database knows, so a reader has to
    use the VTIMEZONE inside the file (as Outlook and older clients do)."""
    text = content.decode() if isinstance(content, bytes) else content
    return re.sub(
        r"TZID([=:])([^;:\r\n]+)", lambda m: f"TZID{m[1]}X-Own-{m[2].replace('/', '-')}", text
    )


def instants(content: bytes | str, *, own_vtimezones: bool = False) -> list[tuple[datetime, ...]]:
    """Sorted (start, end) UTC pairs of every confirmed instance in the file."""
    text = content.decode() if isinstance(content, bytes) else content
    if own_vtimezones:
        text = own_vtimezones_only(text)
        assert "TZID:X-Own-" in text or "TZID" not in text
    cal = icalendar.Calendar.from_ical(text)
    out = []
    for event in recurring_ical_events.of(cal).between(*WINDOW):
        if str(event.get("STATUS", "")) == "CANCELLED":
            continue
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert isinstance(start, datetime) and start.tzinfo is not None
        assert end > start
        out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(out)


def both_readings(content: bytes | str) -> list[tuple[datetime, ...]]:
    """The instants, after checking the zone database and the VTIMEZONEs agree on them."""
    with_db = instants(content)
    assert instants(content, own_vtimezones=True) == with_db
    return with_db

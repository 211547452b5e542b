"""The workshop's .ics invitation (one VEVENT, iTIP REQUEST or CANCEL), built the way
scheduling.ics builds a session's: start in the facilitator's zone, UID stable per workshop."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event

from mentorloom.scheduling.ics import PRODID, unambiguous

from .models import Workshop


def workshop_uid(workshop: Workshop) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "mentorloom"
    return f"workshop-{workshop.pk}@{host}"


def invitation(workshop: Workshop, *, method: str, now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", workshop_uid(workshop))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", unambiguous(workshop.starts_at, ZoneInfo(workshop.zone or "UTC")))
    event.add("dtend", unambiguous(workshop.ends_at, ZoneInfo(workshop.zone or "UTC")))
    event.add("summary", workshop.title)
    event.add("url", f"{settings.SITE_URL}/workshops/{workshop.pk}/")
    if workshop.agenda:
        event.add("description", workshop.agenda)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

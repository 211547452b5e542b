"""iCalendar (RFC 5545/5546) for sessions: invitations (REQUEST/CANCEL) and private feeds.

Times are written in the zone the session was booked in, with its VTIMEZONE, so calendar
apps keep the intended wall time; UID is stable per session and SEQUENCE grows on changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Session, SessionStatus

PRODID = "-//Mentorloom//Scheduling//EN"


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "mentorloom.local"


def session_uid(session: Session) -> str:
    return f"{session.uid}@{_host()}"


def _address(user, role: str) -> vCalAddress:  # type: ignore[no-untyped-def]
    address = vCalAddress(f"mailto:{user.email}")
    profile = getattr(user, "profile", None)
    address.params["cn"] = vText(getattr(profile, "name", None) or user.email)
    if role != "organizer":
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED")
    return address


def _display_name(user, *, private: bool) -> str:  # type: ignore[no-untyped-def]
    name = getattr(getattr(user, "profile", None), "name", None)
    return name or ("a Mentorloom member" if private else user.email)


def _event(
    session: Session, *, now: datetime, cancelled: bool = False, private: bool = False
) -> Event:
    """One session as a VEVENT. `private` (subscribed feeds, whose URL can leak) leaves out
    every e-mail address: no ORGANIZER/ATTENDEE, and names never fall back to an address."""
    zone = ZoneInfo(session.zone or "UTC")
    mentor, mentee = session.mentor, session.mentee
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", session.ics_sequence)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    names = " & ".join(_display_name(u, private=private) for u in (mentor, mentee))
    event.add("summary", f"Mentoring session: {names}")
    event.add("url", f"{settings.SITE_URL}/schedule/{session.pk}/")
    # Imported here: the sessions app builds on scheduling's models (import cycle otherwise).
    from mentorloom.sessions.selectors import agenda_text

    description = agenda_text(session)
    if description:
        event.add("description", description)
    if not private:  # invitations need them (iTIP); a published feed does not
        event.add("organizer", _address(mentor, "organizer"))
        event.add("attendee", _address(mentor, "attendee"))
        event.add("attendee", _address(mentee, "attendee"))
    is_cancelled = cancelled or session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    return event


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def invitation(session: Session, *, method: str, now: datetime) -> bytes:
    """A one-event iTIP message: METHOD:REQUEST (new/moved) or METHOD:CANCEL."""
    cal = _calendar(method)
    cal.add_component(_event(session, now=now, cancelled=method == "CANCEL"))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed(sessions: Iterable[Session], *, name: str, now: datetime) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not an invitation). Its secret URL
    may end up shared or leaked, so it names people but never shows their e-mail addresses."""
    cal = _calendar(None)
    cal.add("x-wr-calname", name)
    for session in sessions:
        cal.add_component(_event(session, now=now, private=True))
    cal.add_missing_timezones()
    return cal.to_ical()


def publish(sessions: Iterable[Session], *, now: datetime) -> bytes:
    """METHOD:PUBLISH with one event per session (a new series): each keeps its own stable UID,
    so a later REQUEST/CANCEL for one occurrence updates just that event in the calendar."""
    cal = _calendar("PUBLISH")
    for session in sessions:
        cal.add_component(_event(session, now=now))
    cal.add_missing_timezones()
    return cal.to_ical()

"""iCalendar (RFC 5545/5546) for sessions: invitations (REQUEST/CANCEL), series and private feeds.

Every file must name each session's instant so no reader can misread it (issue #27):

* DTSTART is written in the session's zone (with its VTIMEZONE, so calendar apps show the zone
  it was booked in) unless that wall time alone does not name the instant — a repeated fall-back
  hour or a skipped one — and then in UTC (`…Z`). The length is a DURATION, never a DTEND, so a
  fold can never make an end come before its start (RFC 5545 §3.8.2.5: exact duration).
* A new series is one recurring event: DTSTART with TZID at the rule's wall time plus an RRULE
  that expands, by §3.3.10/§3.3.5, to the same instants as `recurrence.occurrences` (a gap
  shifts forward, a fold takes its first occurrence). Dates not booked are EXDATEs; occurrences
  in a fold or gap, on the alternate time, or moved alone are RECURRENCE-ID overrides in UTC.
  A later REQUEST/CANCEL for one occurrence carries the series UID and that RECURRENCE-ID, so
  it updates just that instance. A session outside a series has its own UID. SEQUENCE grows
  on changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from . import recurrence, selectors
from .models import Session, SessionSeries, SessionStatus

PRODID = "-//Mentorloom//Scheduling//EN"
BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "mentorloom.local"


def session_uid(session: Session) -> str:
    """The calendar UID of the event `session` lives in: its series' for a series occurrence."""
    if session.series_id is not None and session.series is not None:
        return series_uid(session.series)
    return f"{session.uid}@{_host()}"


def series_uid(series: SessionSeries) -> str:
    return f"series-{series.pk}-{series.created_at:%Y%m%dT%H%M%S}@{_host()}"


def unambiguous(instant: datetime, zone: ZoneInfo) -> datetime:
    """`instant` in `zone` when its wall time names it alone, else in UTC."""
    if recurrence.is_ambiguous_or_missing(instant, zone):
        return instant.astimezone(UTC)
    return instant.astimezone(zone)


def _address(user, role: str) -> vCalAddress:  # type: ignore[no-untyped-def]
    address = vCalAddress(f"mailto:{user.email}")
    profile = getattr(user, "profile", None)
    address.params["cn"] = vText(getattr(profile, "name", None) or user.email)
    if role != "organizer":
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED")
    return address


def _people(event: Event, mentor, mentee, *, url: str, private: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Names, link, and (for invitations only) the two addresses. `private` (subscribed feeds,
    whose URL can leak) leaves out every e-mail address: no ORGANIZER/ATTENDEE."""
    names = " & ".join(
        u.get_full_name(without_profile="a Mentorloom member") if private else u.get_full_name()
        for u in (mentor, mentee)
    )
    event.add("summary", f"Mentoring session: {names}")
    event.add("url", url)
    if not private:  # invitations need them (iTIP); a published feed does not
        event.add("organizer", _address(mentor, "organizer"))
        event.add("attendee", _address(mentor, "attendee"))
        event.add("attendee", _address(mentee, "attendee"))


def _rule_instants(series: SessionSeries) -> list[datetime]:
    """What the series' RRULE expands to (index → instant): the rule's main wall time on each
    date, resolved as every RFC 5545 reader must. Alternate-time dates are overrides of these."""
    zone = ZoneInfo(series.zone)
    return [
        recurrence.resolve(datetime.combine(day, series.time), zone)[0]
        for day in recurrence.occurrence_dates(selectors.series_rule(series))
    ]


def _event(
    session: Session,
    *,
    now: datetime,
    cancelled: bool = False,
    recurrence_id: datetime | None = None,
    standalone: bool = False,
    private: bool = False,
) -> Event:
    """One session's VEVENT. A series occurrence (unless `standalone`, as in the feed) carries
    the series UID and its RECURRENCE-ID; `private` (the feed) shows no e-mail address."""
    zone = ZoneInfo(session.zone or "UTC")
    event = Event()
    in_series = not standalone and session.series_id is not None
    event.add("uid", session_uid(session) if in_series else f"{session.uid}@{_host()}")
    if in_series:
        if recurrence_id is None:
            assert session.series is not None and session.series_index is not None
            recurrence_id = _rule_instants(session.series)[session.series_index]
        event.add("recurrence-id", recurrence_id.astimezone(UTC))
        start = session.starts_at.astimezone(UTC)
    else:
        start = unambiguous(session.starts_at, zone)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", session.ics_sequence)
    event.add("dtstart", start)
    event.add("duration", session.duration)
    _people(
        event,
        session.mentor,
        session.mentee,
        url=f"{settings.SITE_URL}/schedule/{session.pk}/",
        private=private,
    )
    # Imported here: the sessions app builds on scheduling's models (import cycle otherwise).
    from mentorloom.sessions.selectors import agenda_text

    description = "\n\n".join(
        part for part in (selectors.clock_note_for(session), agenda_text(session)) if part
    )
    if description:
        event.add("description", description)
    is_cancelled = cancelled or session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    return event


def _series_events(series: SessionSeries, sessions: list[Session], *, now: datetime) -> list[Event]:
    """The recurring master and its overrides for `sessions` (the booked ones of `series`)."""
    zone = ZoneInfo(series.zone)
    rule = selectors.series_rule(series)
    dates = recurrence.occurrence_dates(rule)
    instants = _rule_instants(series)
    by_index = {s.series_index: s for s in sessions}
    mentorship = series.mentorship
    master = Event()
    master.add("uid", series_uid(series))
    master.add("dtstamp", now.astimezone(UTC))
    master.add("sequence", 0)
    # The rule's wall time with TZID, even in a gap or fold: readers resolve it as we do.
    master.add("dtstart", datetime.combine(dates[0], series.time, tzinfo=zone))
    master.add("duration", timedelta(minutes=series.duration_minutes))
    recur: dict[str, object] = {"FREQ": "WEEKLY", "COUNT": len(dates)}
    if series.frequency == recurrence.BIWEEKLY:
        recur["INTERVAL"] = 2
    elif series.frequency == recurrence.MONTHLY:
        nth = series.nth if series.nth is not None else recurrence.nth_of(series.first_date)
        recur = {
            "FREQ": "MONTHLY",
            "BYDAY": f"{nth}{BYDAY[series.first_date.isoweekday()]}",
            "COUNT": len(dates),
        }
    master.add("rrule", vRecur(recur))
    for index, instant in enumerate(instants):
        if index not in by_index:
            master.add("exdate", unambiguous(instant, zone))
    _people(
        master,
        mentorship.mentor,
        mentorship.mentee,
        url=f"{settings.SITE_URL}/schedule/series/{series.pk}/",
    )
    if series.agenda:
        master.add("description", series.agenda)
    master.add("status", "CONFIRMED")
    events = [master]
    for index, session in sorted(by_index.items()):
        assert index is not None
        instant = instants[index]
        plain = session.starts_at == instant and not recurrence.is_ambiguous_or_missing(
            instant, zone
        )
        # A gap-shifted occurrence is overridden too: its DESCRIPTION tells why it moved.
        if plain and not selectors.clock_note_for(session) and session.ics_sequence == 0:
            continue
        events.append(_event(session, now=now, recurrence_id=instant))
    return events


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
    """A subscribable calendar (no METHOD: it is published, not an invitation); one event per
    session under its own UID, so the feed never depends on an invitation having arrived. Its
    secret URL may end up shared or leaked, so it names people but shows no e-mail address."""
    cal = _calendar(None)
    cal.add("x-wr-calname", name)
    for session in sessions:
        cal.add_component(_event(session, now=now, standalone=True, private=True))
    cal.add_missing_timezones()
    return cal.to_ical()


def publish_series(series: SessionSeries, sessions: Iterable[Session], *, now: datetime) -> bytes:
    """METHOD:PUBLISH of a new series: one recurring event plus its overrides (see above)."""
    cal = _calendar("PUBLISH")
    for event in _series_events(series, list(sessions), now=now):
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

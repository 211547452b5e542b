"""ICS invitations and the private feed, checked by parsing them with `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from mentorloom.scheduling import ics, services

pytestmark = pytest.mark.django_db
TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)


def book(mentorship, start=TUE_9_BERLIN):  # type: ignore[no-untyped-def]
    session, _ = services.book_session(
        mentorship.mentee, mentorship, starts_at=start, duration_minutes=60, zone="Asia/Tokyo"
    )
    return session


def test_invitation_is_tzid_correct_with_vtimezone_organizer_and_attendees(mentorship, frozen):
    session = book(mentorship)
    cal = icalendar.Calendar.from_ical(ics.invitation(session, method="REQUEST", now=TUE_9_BERLIN))
    assert cal["METHOD"] == "REQUEST" and cal["VERSION"] == "2.0"
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{session.uid}@127.0.0.1"
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTSTART") == TUE_9_BERLIN  # the same instant
    assert event.decoded("DTSTART").strftime("%H:%M") == "16:00"  # Tokyo wall time
    assert "DTEND" not in event and event.decoded("DURATION") == timedelta(hours=1)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(event["ORGANIZER"]) == f"mailto:{mentorship.mentor.email}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted(f"mailto:{u.email}" for u in (mentorship.mentor, mentorship.mentee))


def test_reschedule_keeps_uid_and_increases_sequence(mentorship, frozen):
    session = book(mentorship)
    first = icalendar.Calendar.from_ical(
        ics.invitation(session, method="REQUEST", now=TUE_9_BERLIN)
    )
    moved = services.reschedule_session(
        mentorship.mentee, session, starts_at=TUE_9_BERLIN + timedelta(hours=2), zone="Asia/Tokyo"
    )
    second = icalendar.Calendar.from_ical(ics.invitation(moved, method="REQUEST", now=TUE_9_BERLIN))
    a, b = first.walk("VEVENT")[0], second.walk("VEVENT")[0]
    assert a["UID"] == b["UID"]
    assert int(b["SEQUENCE"]) == int(a["SEQUENCE"]) + 1


def test_feed_lists_my_sessions_and_a_regenerated_token_revokes_the_old_url(
    client, mentorship, frozen
):
    book(mentorship)
    token = services.regenerate_feed_token(mentorship.mentee)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in cal  # a published feed, not an invitation
    assert len(cal.walk("VEVENT")) == 1
    new_token = services.regenerate_feed_token(mentorship.mentee)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    services.revoke_feed_token(mentorship.mentee)
    assert client.get(f"/calendar/{new_token}.ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404


def test_feed_never_shows_an_email_address(client, mentorship, frozen):
    session = book(mentorship)
    mentorship.mentor.profile.display_name = ""
    mentorship.mentor.profile.save()
    token = services.regenerate_feed_token(mentorship.mentee)
    text = client.get(f"/calendar/{token}.ics").content.decode()
    for person in (mentorship.mentor, mentorship.mentee):
        assert person.email not in text
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{session.uid}@127.0.0.1"


def test_calendar_page_creates_and_switches_off_the_feed(client, mentorship):
    client.force_login(mentorship.mentee)
    assert b"Create my feed address" in client.get("/schedule/calendar/").content
    client.post("/schedule/calendar/", {"action": "regenerate"})
    page = client.get("/schedule/calendar/").content.decode()
    assert "/calendar/" in page and ".ics" in page
    client.post("/schedule/calendar/", {"action": "revoke"})
    assert b"Create my feed address" in client.get("/schedule/calendar/").content

"""Recurring series across daylight saving (issue #27): every occurrence is kept (a gap shifts it
forward), everyone is told, and every .ics we write reads back to the booked instants."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorloom.scheduling import ics, services
from mentorloom.scheduling.errors import InvalidSeries, SeriesConflict
from mentorloom.scheduling.models import SchedulingSettings, Session, SessionSeries
from mentorloom.scheduling.recurrence import resolve
from tests.factories import SchedulingMentorshipFactory
from tests.scheduling.conftest import open_every_day
from tests.scheduling.ics_check import both_readings, instants
from tests.scheduling.zones import TRANSITIONS, near, transitions

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


def open_mentorship(mentee_zone: str = "Asia/Tokyo"):  # type: ignore[no-untyped-def]
    """A mentor (Berlin profile) open round the clock with no notice, so only the clock matters."""
    m = SchedulingMentorshipFactory()
    # 15-minute sessions: the mentor's slot grid (every 15 min from 00:00 Berlin) then holds
    # every quarter hour, so Chatham's :45 and Kathmandu's :15 instants are bookable too.
    m.mentor.profile.session_lengths = [15]
    m.mentor.profile.save()
    m.mentee.profile.time_zone = mentee_zone
    m.mentee.profile.save()
    open_every_day(m.mentor, time(0), time(0))
    SchedulingSettings.objects.create(user=m.mentor, min_notice_minutes=0)
    return m


@pytest.fixture
def open_ms(db):  # type: ignore[no-untyped-def]
    return open_mentorship("America/New_York")


def series(mentorship, zone: str, first: date, wall: time, actor=None, **extra):  # type: ignore[no-untyped-def]
    fields = {
        "frequency": "weekly",
        "first_date": first,
        "wall_time": wall,
        "count": 3,
        "until": None,
        "alt_time": None,
        "nth": None,
        "duration_minutes": 15,
        "zone": zone,
        "now": NOW,
    }
    fields.update(extra)
    return services.create_series(actor or mentorship.mentor, mentorship, **fields)


def booked(found: SessionSeries) -> list[tuple[datetime, datetime]]:
    return [(s.starts_at, s.ends_at) for s in found.sessions.filter(status="booked")]


def merged(*files: bytes) -> bytes:
    """What a calendar app holds after applying `files` in order: a later VEVENT with the same
    UID and RECURRENCE-ID replaces the earlier one (RFC 5546); METHOD:CANCEL cancels it."""
    events: dict[tuple[str, str], icalendar.Event] = {}
    zones: dict[str, icalendar.Timezone] = {}
    for content in files:
        cal = icalendar.Calendar.from_ical(content)
        for tz in cal.walk("VTIMEZONE"):
            zones[str(tz["TZID"])] = tz
        for event in cal.walk("VEVENT"):
            rid = event.get("RECURRENCE-ID")
            key = (str(event["UID"]), rid.to_ical().decode() if rid else "")
            if str(cal.get("METHOD")) == "CANCEL":
                event["STATUS"] = "CANCELLED"
            events[key] = event
    out = icalendar.Calendar()
    out.add("prodid", "-//test//merge//EN")
    out.add("version", "2.0")
    for tz in zones.values():
        out.add_component(tz)
    for event in events.values():
        out.add_component(event)
    return out.to_ical()


# --- 1. A gap keeps the occurrence, shifted, and says so everywhere --------------------------


def test_gap_occurrence_is_booked_an_hour_later_and_both_people_are_told(
    open_ms, django_capture_on_commit_callbacks
):
    # New York skips 02:00–03:00 on Sun 8 March 2026; the weekly 02:30 is held at 03:30 EDT.
    with django_capture_on_commit_callbacks(execute=True):
        found, created, skipped = series(open_ms, "America/New_York", date(2026, 3, 1), time(2, 30))
    assert skipped == [] and len(created) == 3
    assert [s.starts_at for s in created] == [
        datetime(2026, 3, 1, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 03:30 EDT (moved by the gap)
        datetime(2026, 3, 15, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Moved by the clock change: 02:30 does not exist on Sun 08 Mar 2026" in message.body
        assert message.body.count("Moved by the clock change") == 1
        content = message.attachments[0][1]
        assert both_readings(content) == booked(found)
        cal = icalendar.Calendar.from_ical(content)
        override = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
        assert len(override) == 1
        assert override[0].decoded("RECURRENCE-ID") == created[1].starts_at
        assert "Moved by the clock change" in str(override[0]["DESCRIPTION"])
        assert override[0].to_ical().decode().count("Z\r\n") >= 3  # DTSTAMP, RID, DTSTART


def test_session_page_and_series_page_show_the_clock_change_note(client, open_ms):
    found, created, _ = series(open_ms, "America/New_York", date(2026, 3, 1), time(2, 30))
    client.force_login(open_ms.mentee)
    page = client.get(f"/schedule/{created[1].pk}/").content.decode()
    assert "Moved by the clock change" in page and "so this session is at 03:30" in page
    assert (
        "Moved by the clock change"
        not in client.get(f"/schedule/{created[0].pk}/").content.decode()
    )
    assert (
        client.get(f"/schedule/series/{found.pk}/")
        .content.decode()
        .count("Moved by the clock change")
        >= 1
    )


def test_a_session_moved_alone_loses_the_note(client, open_ms):
    _, created, _ = series(open_ms, "America/New_York", date(2026, 3, 1), time(2, 30))
    moved = services.reschedule_session(
        open_ms.mentee,
        created[1],
        starts_at=datetime(2026, 3, 8, 14, tzinfo=UTC),
        zone="America/New_York",
        now=NOW,
    )
    client.force_login(open_ms.mentee)
    assert "Moved by the clock change" not in client.get(f"/schedule/{moved.pk}/").content.decode()


def test_preview_page_marks_the_shifted_date(client, open_ms, frozen):
    client.force_login(open_ms.mentee)  # profile zone America/New_York
    response = client.post(
        f"/mentorships/{open_ms.pk}/series/new/",
        {
            "frequency": "weekly",
            "first_date": "2026-03-01",
            "time": "02:30",
            "alt_time": "",
            "duration": "15",
            "count": "3",
            "until": "",
            "agenda": "",
            "action": "preview",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "3 of 3 dates are free" in html
    assert html.count("Moved by the clock change:") == 1 and "Sun 03:30" in html
    assert not Session.objects.exists()


def test_api_preview_reports_the_shift_in_minutes(client, open_ms, frozen):
    client.force_login(open_ms.mentee)
    response = client.post(
        f"/api/v1/mentorships/{open_ms.pk}/series/preview",
        json.dumps(
            {
                "frequency": "weekly",
                "first_date": "2026-09-27",
                "time": "02:15",
                "count": 3,
                "duration": 15,
                "tz": "Australia/Lord_Howe",  # 02:00 → 02:30 on Sun 4 Oct 2026
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200
    rows = response.json()["occurrences"]
    assert [r["clock_shift_minutes"] for r in rows] == [0, 30, 0]
    assert rows[1]["start"].startswith("2026-10-03T15:45:00") and rows[1]["problem"] == ""


# --- 2. Every file we write reads back to the booked instants --------------------------------

# (zone, wall-clock minutes from the change) — a gap or a fold in both hemispheres, Lord Howe's
# 30-minute shift, Santiago's midnight, Chatham's 45-minute offset; Kathmandu has no change.
CASES = [
    ("America/New_York", 30),
    ("America/New_York", -30),
    ("Pacific/Auckland", 15),
    ("Pacific/Auckland", -15),
    ("America/Santiago", 0),
    ("America/Santiago", -30),
    ("Australia/Lord_Howe", 15),
    ("Australia/Lord_Howe", -15),
    ("Pacific/Chatham", 30),
    ("Pacific/Chatham", -30),
    ("Europe/London", 30),
    ("Europe/London", -30),
]


def _check_every_file(found: SessionSeries, created: list[Session], mentee) -> None:  # type: ignore[no-untyped-def]
    want = booked(found)
    publish = ics.publish_series(found, created, now=NOW)
    assert both_readings(publish) == want
    invitations = [ics.invitation(s, method="REQUEST", now=NOW) for s in created]
    for session, content in zip(created, invitations, strict=True):
        assert both_readings(content) == [(session.starts_at, session.ends_at)]
    # A calendar that got the series and then each occurrence's REQUEST still holds the same.
    assert both_readings(merged(publish, *invitations)) == want
    token = services.regenerate_feed_token(mentee)
    with time_machine.travel(created[0].starts_at - timedelta(days=1), tick=False):
        feed = Client().get(f"/calendar/{token}.ics").content
    assert both_readings(feed) == sorted(
        (s.starts_at, s.ends_at) for s in Session.objects.filter(mentee=mentee, status="booked")
    )


@pytest.mark.parametrize(("zone_name", "minutes"), CASES)
@pytest.mark.parametrize("spring", [True, False])
def test_every_file_round_trips_across_each_change(zone_name, minutes, spring):
    zone = ZoneInfo(zone_name)
    moments = transitions(zone, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    gaps = [
        m
        for m in moments
        if (
            m.astimezone(zone).utcoffset() > (m - timedelta(minutes=1)).astimezone(zone).utcoffset()
        )
        == spring
    ]
    wall = near(zone_name, gaps[0], minutes)
    m = open_mentorship()
    found, created, skipped = series(
        m, zone_name, wall.date() - timedelta(days=7), wall.time(), alt_time=time(12), count=4
    )
    assert skipped == [] and len(created) == 4
    _check_every_file(found, created, m.mentee)


def test_files_for_a_45_minute_zone_without_changes_round_trip():
    m = open_mentorship("Asia/Kathmandu")
    found, created, _ = series(
        m, "Asia/Kathmandu", date(2026, 3, 3), time(9, 15), frequency="monthly", count=3
    )
    assert [s.starts_at.astimezone(ZoneInfo("Asia/Kathmandu")).time() for s in created] == [
        time(9, 15)
    ] * 3
    _check_every_file(found, created, m.mentee)


def test_a_moved_and_a_cancelled_occurrence_update_the_series_in_a_calendar(open_ms):
    found, created, _ = series(open_ms, "America/New_York", date(2026, 10, 25), time(1, 30))
    publish = ics.publish_series(found, created, now=NOW)
    # 1 Nov 2026 01:30 is the repeated hour; it is the first one (EDT, 05:30 UTC).
    assert created[1].starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    moved = services.reschedule_session(
        open_ms.mentee,
        created[1],
        starts_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST, the second one
        zone="America/New_York",
        now=NOW,
    )
    cancelled = services.cancel_session(open_ms.mentee, created[2], now=NOW)
    update = ics.invitation(moved, method="REQUEST", now=NOW)
    cancel = ics.invitation(cancelled, method="CANCEL", now=NOW)
    text = update.decode()
    assert "DTSTART:20261101T063000Z" in text and "DTEND" not in text
    assert "RECURRENCE-ID:20261101T053000Z" in text
    assert both_readings(merged(publish, update, cancel)) == booked(found)


def test_single_session_in_the_repeated_hour_is_written_in_utc(open_ms):
    # 01:30 EST on 1 Nov 2026 (the second 01:30) — 06:30–07:00 UTC; no TZID can name it alone.
    session, _ = services.book_session(
        open_ms.mentee,
        open_ms,
        starts_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        duration_minutes=15,
        zone="America/New_York",
        now=datetime(2026, 10, 20, tzinfo=UTC),
    )
    content = ics.invitation(session, method="REQUEST", now=NOW)
    text = content.decode()
    assert "DTSTART:20261101T063000Z" in text and "DURATION:PT15M" in text
    assert "DTEND" not in text
    assert both_readings(content) == [(session.starts_at, session.ends_at)]


@pytest.mark.parametrize(
    ("zone_name", "minutes"), [("America/New_York", 30), ("Pacific/Chatham", -15)]
)
def test_a_date_not_booked_in_a_gap_or_fold_is_excluded_from_the_series(zone_name, minutes):
    zone = ZoneInfo(zone_name)
    change = next(
        t
        for t in transitions(
            zone, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        )
        if (
            t.astimezone(zone).utcoffset() > (t - timedelta(minutes=1)).astimezone(zone).utcoffset()
        )
        == (minutes > 0)
    )
    wall = near(zone_name, change, minutes)
    m = open_mentorship()
    clash = resolve(wall, zone)[0]  # the series' own instant for that date
    services.book_session(
        m.mentee,
        m,
        starts_at=clash,
        duration_minutes=15,
        zone=zone_name,
        now=clash - timedelta(days=5),
    )
    found, created, skipped = series(m, zone_name, wall.date() - timedelta(days=7), wall.time())
    assert [s["index"] for s in skipped] == [1] and len(created) == 2
    content = ics.publish_series(found, created, now=NOW)
    assert "EXDATE" in content.decode()
    assert both_readings(content) == booked(found)


@pytest.mark.parametrize(
    "zone_name",
    ["America/New_York", "Pacific/Auckland", "America/Santiago", "Australia/Lord_Howe"],
)
def test_two_single_sessions_at_the_same_wall_time_in_a_fold_stay_apart_in_every_file(zone_name):
    zone = ZoneInfo(zone_name)
    fall = next(
        t
        for t in transitions(
            zone, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        )
        if t.astimezone(zone).utcoffset() < (t - timedelta(minutes=1)).astimezone(zone).utcoffset()
    )
    m = open_mentorship(zone_name)
    sessions = []
    fold = (fall - timedelta(minutes=1)).astimezone(zone).utcoffset() - fall.astimezone(
        zone
    ).utcoffset()
    for start in (fall - timedelta(minutes=15), fall + fold - timedelta(minutes=15)):
        session, _ = services.book_session(
            m.mentee,
            m,
            starts_at=start,
            duration_minutes=15,
            zone=zone_name,
            now=fall - timedelta(days=10),
        )
        sessions.append(session)
    first, second = (s.starts_at.astimezone(zone) for s in sessions)
    assert first.strftime("%H:%M") == second.strftime("%H:%M")  # the same wall time, twice
    for session in sessions:
        content = ics.invitation(session, method="REQUEST", now=NOW)
        assert f"DTSTART:{session.starts_at:%Y%m%dT%H%M%S}Z" in content.decode()
        assert both_readings(content) == [(session.starts_at, session.ends_at)]
    feed = ics.feed(sessions, name="test", now=NOW)
    assert both_readings(feed) == [(s.starts_at, s.ends_at) for s in sessions]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    transition=st.sampled_from(TRANSITIONS),
    minutes=st.integers(-6, 6).map(lambda quarters: 15 * quarters),
    alt=st.booleans(),
    frequency=st.sampled_from(("weekly", "biweekly", "monthly")),
)
def test_every_series_file_round_trips_through_recurring_ical_events(
    transition, minutes, alt, frequency
):
    zone_name, moment = transition
    wall = near(zone_name, moment, minutes)
    with transaction.atomic():
        m = open_mentorship()
        try:
            found, created, skipped = series(
                m,
                zone_name,
                wall.date() - timedelta(days=14),
                wall.time(),
                alt_time=time(12, 45) if alt and wall.time() != time(12, 45) else None,
                count=5,
                frequency=frequency,
            )
        except (InvalidSeries, SeriesConflict):
            return
        assert len(created) + len(skipped) == 5
        want = booked(found)
        assert both_readings(ics.publish_series(found, created, now=NOW)) == want
        for s in created:
            content = ics.invitation(s, method="REQUEST", now=NOW)
            assert instants(content) == [(s.starts_at, s.ends_at)]
        transaction.set_rollback(True)


# --- 3. "This and following" across a change; a travelling mentor ----------------------------


def test_move_following_across_the_change_keeps_the_moved_wall_time(open_ms):
    # Weekly Tue 10:00 New York from 24 Feb 2026; NY springs forward on Sun 8 March.
    _, created, _ = series(open_ms, "America/New_York", date(2026, 2, 24), time(10), count=4)
    moved = services.move_following(
        open_ms.mentee, created[1], starts_at=datetime(2026, 3, 4, 16, tzinfo=UTC), now=NOW
    )  # Tue 3 Mar 10:00 EST → Wed 4 Mar 11:00 EST
    walls = [s.starts_at.astimezone(NY) for s in moved]
    assert [(w.strftime("%a %H:%M"), w.day) for w in walls] == [
        ("Wed 11:00", 4),
        ("Wed 11:00", 11),
        ("Wed 11:00", 18),
    ]
    assert [s.starts_at.hour for s in moved] == [16, 15, 15]  # UTC moves with the offset


def test_move_following_from_a_gap_shifted_occurrence_keeps_the_asked_wall_time(open_ms):
    _, created, _ = series(open_ms, "America/New_York", date(2026, 3, 1), time(2, 30))
    # The 8 March one is held at 03:30 (02:30 does not exist); move it and the next to 04:30.
    moved = services.move_following(
        open_ms.mentee, created[1], starts_at=datetime(2026, 3, 8, 8, 30, tzinfo=UTC), now=NOW
    )
    assert [s.starts_at.astimezone(NY).strftime("%d %H:%M") for s in moved] == [
        "08 04:30",
        "15 04:30",
    ]


def test_travelling_mentor_series_keeps_the_series_zone_not_the_profile_zone(open_ms):
    # The mentor's profile is Berlin (changes 29 March); the series is in New York (8 March).
    found, created, _ = series(
        open_ms, "America/New_York", date(2026, 3, 3), time(9), actor=open_ms.mentor, count=5
    )
    assert found.zone == "America/New_York" and all(s.zone == "America/New_York" for s in created)
    assert {s.starts_at.astimezone(NY).time() for s in created} == {time(9)}
    moved = services.move_following(
        open_ms.mentee, created[2], starts_at=created[2].starts_at + timedelta(hours=1), now=NOW
    )
    assert {s.starts_at.astimezone(NY).time() for s in moved} == {time(10)}
    assert both_readings(ics.publish_series(found, created, now=NOW))


# --- Bad input: clear errors, nothing saved ---------------------------------------------------

BODY = {
    "frequency": "weekly",
    "first_date": "2026-03-08",
    "time": "02:30",
    "count": 1,
    "duration": 15,
    "tz": "America/New_York",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "time"),  # its only date falls in the gap
        ({"frequency": "monthly", "first_date": "2026-03-08", "count": 1}, "time"),
        ({"time": "10:00", "count": None, "until": "2026-03-01"}, "until"),
        ({"time": "10:00", "count": 0}, "count"),
        ({"time": "10:00", "count": 10000}, "count"),
        ({"time": "10:00", "tz": "Mars/Olympus_Mons"}, "tz"),
    ],
)
@pytest.mark.parametrize("path", ["series", "series/preview"])
def test_bad_series_input_is_a_clear_422_and_saves_nothing(
    client, open_ms, frozen, change, field, path
):
    client.force_login(open_ms.mentee)
    response = client.post(
        f"/api/v1/mentorships/{open_ms.pk}/{path}",
        json.dumps({**BODY, **change}),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert field in error["fields"] and error["message"]
    assert not SessionSeries.objects.exists() and not Session.objects.exists()
    assert mail.outbox == []


def test_series_form_all_in_gap_shows_a_form_error(client, open_ms, frozen):
    client.force_login(open_ms.mentee)
    response = client.post(
        f"/mentorships/{open_ms.pk}/series/new/",
        {
            "frequency": "weekly",
            "first_date": "2026-03-08",
            "time": "02:30",
            "alt_time": "",
            "duration": "15",
            "count": "1",
            "until": "",
            "agenda": "",
            "action": "create",
        },
    )
    assert response.status_code == 422
    assert "does not exist on any of these dates" in response.content.decode()
    assert not SessionSeries.objects.exists()

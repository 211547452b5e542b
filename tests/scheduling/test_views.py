"""The HTML pages work without JavaScript: availability editor, booking page, session page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from mentorloom.scheduling import display
from mentorloom.scheduling.models import AvailabilityOverride, AvailabilityRule, Session
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_availability_page_adds_and_removes_windows(client):
    user = ProfileFactory().user
    client.force_login(user)
    page = client.get("/availability/")
    assert page.status_code == 200 and b"No weekly hours yet" in page.content
    response = client.post(
        "/availability/rules/add/", {"weekday": 2, "start": "07:00", "end": "09:00"}
    )
    assert response.status_code == 302
    rule = AvailabilityRule.objects.get(mentor=user)
    assert (rule.weekday, rule.start, rule.end) == (2, time(7), time(9))
    overlap = client.post(
        "/availability/rules/add/", {"weekday": 2, "start": "08:00", "end": "10:00"}
    )
    assert overlap.status_code == 422
    assert b"overlaps another one" in overlap.content
    client.post(f"/availability/rules/{rule.pk}/delete/")
    assert not AvailabilityRule.objects.filter(mentor=user).exists()


def test_availability_page_saves_rules_and_dates(client):
    user = ProfileFactory().user
    client.force_login(user)
    saved = client.post(
        "/availability/settings/",
        {
            "buffer_before_minutes": 5,
            "buffer_after_minutes": 10,
            "min_notice_minutes": 60,
            "horizon_days": 30,
            "max_per_day": 2,
            "max_per_week": "",
        },
    )
    assert saved.status_code == 302
    assert user.scheduling_settings.max_per_day == 2
    client.post("/availability/overrides/add/", {"date": "2099-12-24", "kind": "blocked"})
    assert AvailabilityOverride.objects.get(mentor=user).date == date(2099, 12, 24)
    missing = client.post(
        "/availability/overrides/add/", {"date": "2099-12-25", "kind": "available"}
    )
    assert missing.status_code == 422 and b"need a start and an end" in missing.content


def test_booking_page_shows_my_time_and_the_mentors_and_books(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    page = client.get(f"/mentorships/{mentorship.pk}/book/?duration=60&from=2025-06-03")
    html = page.content.decode()
    assert page.status_code == 200
    name = mentorship.mentor.profile.name
    assert f"16:00 for you · 09:00 for {name}" in html
    assert "overlap-strip__both" in html  # Tokyo 16:00–17:00 = Berlin 09:00–10:00
    response = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"start": "2025-06-03T07:00:00+00:00", "duration": 60},
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/schedule/{session.pk}/"
    assert session.zone == "Asia/Tokyo"
    detail = client.get(f"/schedule/{session.pk}/").content.decode()
    assert "Tue 03 Jun 2025, 16:00 (Asia/Tokyo, UTC+9)" in detail
    assert "Tue 03 Jun 2025, 09:00 (Europe/Berlin, UTC+2)" in detail
    taken = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"start": "2025-06-03T07:00:00+00:00", "duration": 60},
    )
    assert taken.status_code == 409 and b"no longer free" in taken.content


def test_booking_page_of_someone_elses_mentorship_is_404(client, mentorship):
    client.force_login(UserFactory())
    assert client.get(f"/mentorships/{mentorship.pk}/book/").status_code == 404


def test_cancel_from_the_session_page(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"start": "2025-06-03T07:00:00+00:00", "duration": 30},
    )
    session = Session.objects.get()
    client.post(f"/schedule/{session.pk}/cancel/", {"reason": "Travel"})
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "Travel"
    assert b"Cancelled" in client.get("/schedule/").content


def test_overlap_strip_follows_dst_in_both_zones():
    nine_to_five = (time(9), time(17), [1, 2, 3, 4, 5, 6, 7])
    # Sunday 30 March 2025: London springs forward; New York already has (since 9 March).
    strip = display.overlap_strip(
        date(2025, 3, 31), "Europe/London", nine_to_five, "America/New_York", nine_to_five
    )
    # London 09:00–17:00 BST; New York 09:00 EDT = 14:00 BST, so the overlap is 14:00–17:00.
    assert [(s.x, s.width) for s in strip["both"]] == [(28, 6)]
    assert datetime(2025, 3, 31, tzinfo=UTC)


def test_deleting_someone_elses_window_or_date_is_404_and_removes_nothing(client):
    owner, other = UserFactory(), UserFactory()
    rule = AvailabilityRule.objects.create(mentor=owner, weekday=2, start=time(9), end=time(12))
    day = AvailabilityOverride.objects.create(mentor=owner, date=date(2025, 6, 3), kind="blocked")
    client.force_login(other)
    assert client.post(f"/availability/rules/{rule.pk}/delete/").status_code == 404
    assert client.post(f"/availability/overrides/{day.pk}/delete/").status_code == 404
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()
    assert AvailabilityOverride.objects.filter(pk=day.pk).exists()
    client.force_login(owner)
    assert client.post(f"/availability/rules/{rule.pk}/delete/").status_code == 302
    assert client.post(f"/availability/overrides/{day.pk}/delete/").status_code == 302
    assert not AvailabilityRule.objects.exists() and not AvailabilityOverride.objects.exists()


def test_booking_follows_the_agreement_and_its_agenda_shows_in_prepare_and_reflect(
    client, mentorship, frozen
):
    from mentorloom.mentorships.models import AgreementVersion

    AgreementVersion.objects.create(mentorship=mentorship, number=1, session_length="45 minutes")
    client.force_login(mentorship.mentee)
    page = client.get(f"/mentorships/{mentorship.pk}/book/?from=2025-06-03").content.decode()
    assert re.search(r'<option value="45" selected>45 minutes</option>', page)
    response = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"start": "2025-06-03T07:00:00+00:00", "duration": 45, "agenda": "Moving into product"},
    )
    session = Session.objects.get()
    assert response.status_code == 302 and session.ends_at - session.starts_at == timedelta(
        minutes=45
    )
    detail = client.get(f"/schedule/{session.pk}/").content.decode()
    panel = detail[detail.index("Prepare and reflect") :]
    assert "Moving into product" in panel and "No agenda yet" not in panel
    # Cancelling is behind a button: a closed disclosure, then "Yes, cancel the session".
    assert re.search(r'<details class="card disclosure cancel-session">\s*<summary', detail)
    assert "Yes, cancel the session" in detail


def test_a_length_the_agreement_does_not_name_falls_back_to_the_mentors(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    page = client.get(f"/mentorships/{mentorship.pk}/book/?from=2025-06-03").content.decode()
    assert "45 minutes" not in page
    bad = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"start": "2025-06-03T07:00:00+00:00", "duration": 45},
    )
    assert bad.status_code == 302  # an unoffered length falls back to the default (30)
    session = Session.objects.get()
    assert session.ends_at - session.starts_at == timedelta(minutes=30)


def test_booking_lists_night_slots_after_day_ones_with_a_moon_and_shows_the_fit(
    client, mentorship, frozen
):
    # The mentor is open 09:00–17:00 in Berlin = 00:00–08:00 in Los Angeles (June): for a Los
    # Angeles mentee the 00:00–06:00 starts are night-time.
    mentee = mentorship.mentee.profile
    mentee.time_zone = "America/Los_Angeles"
    mentee.save()
    client.force_login(mentorship.mentee)
    html = client.get(f"/mentorships/{mentorship.pk}/book/?duration=60&from=2025-06-04").content
    html = html.decode()
    day = html[html.index("Wednesday 4 June") : html.index("Thursday 5 June")]
    starts = re.findall(r"(\d\d:\d\d) for you", day)
    assert starts == ["07:00", "00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00"]
    assert day.count('class="slot__night"') == 7 and day.count("(night-time for you)") == 7
    first_button = day[: day.index("</button>")]
    assert "slot__night" not in first_button
    # The fit: the mentor's local time now and the plain 0 h warning.
    assert "Europe/Berlin" in html and "0 h overlap" in html


def test_when_names_the_zone_and_its_offset_once():
    instant = datetime(2025, 6, 10, 0, 0, tzinfo=UTC)
    assert display.when(instant, "Asia/Tokyo") == "Tue 10 Jun 2025, 09:00 (Asia/Tokyo, UTC+9)"
    assert display.when(instant, "UTC") == "Tue 10 Jun 2025, 00:00 (UTC)"

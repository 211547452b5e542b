"""A mentee in Tokyo sets up a weekly coffee chat with a mentor in Berlin from the booking page:
the preview shows each date in both people's local times, booking creates real sessions, and
they are listed in "Your sessions" — at desktop and phone width."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.scheduling.models import AvailabilityRule, Session, SessionSeries
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser

TOKYO, BERLIN = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _setup():  # type: ignore[no-untyped-def]
    mentor = ProfileFactory(display_name="Aiko Berg", time_zone="Europe/Berlin", is_mentor=True)
    mentee = ProfileFactory(display_name="Kenji Sato", time_zone="Asia/Tokyo")
    mentor.session_lengths = [30]
    mentor.save()
    mentorship = SchedulingMentorshipFactory(mentor=mentor.user, mentee=mentee.user)
    # Open around the clock, so every weekly date is free whenever the test runs.
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor.user, weekday=d, start=s, end=e)
        for d in range(1, 8)
        for s, e in ((time(0), time(12)), (time(12), time(0)))
    )
    return mentorship


def _first_date() -> date:
    return datetime.now(TOKYO).date() + timedelta(days=7)


def _expected_clocks(first: date, count: int) -> list[tuple[str, str]]:
    """(Berlin, Tokyo) 'Tue 18:00' labels of each weekly 18:00-Tokyo date."""
    out = []
    for week in range(count):
        instant = datetime.combine(first + timedelta(weeks=week), time(18), tzinfo=TOKYO)
        out.append((f"{instant.astimezone(BERLIN):%a %H:%M}", f"{instant:%a %H:%M}"))
    return out


def _fill_series(page: Page, first: date, count: int) -> None:
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("First session").fill(first.isoformat())
    page.get_by_label("Time (your zone)").fill("18:00")
    page.get_by_label("Number of sessions").fill(str(count))


def test_mentee_creates_a_weekly_series_and_sees_it_in_the_schedule(new_context, asgi_server):
    mentorship = in_thread(_setup)
    tokyo: BrowserContext = new_context(timezone_id="Asia/Tokyo")
    log_in(tokyo, mentorship.mentee, asgi_server)
    page = tokyo.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/book/")
    page.get_by_role("link", name="Set up recurring sessions instead").click()
    expect(page.get_by_role("heading", name="Recurring sessions with Aiko Berg")).to_be_visible()
    expect(page.get_by_text("Asia/Tokyo", exact=True).first).to_be_visible()

    first, count = _first_date(), 3
    _fill_series(page, first, count)
    page.get_by_role("button", name="Preview the dates").click()
    expect(page.get_by_role("heading", name=f"{count} of {count} dates are free")).to_be_visible()
    rows = page.locator(".series-table tbody tr")
    expect(rows).to_have_count(count)
    for index, (berlin, tokyo_clock) in enumerate(_expected_clocks(first, count)):
        cells = rows.nth(index).locator("td")
        # Mentor's column in Berlin time, mentee's in Tokyo time, for the same instant.
        expect(cells.nth(2)).to_contain_text(berlin)
        expect(cells.nth(3)).to_contain_text(tokyo_clock)
        expect(cells.nth(4)).to_contain_text("Free")
    assert_accessible(page)
    screenshot(page, "series-preview-desktop")

    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_role("heading", name="Recurring sessions", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{count} sessions are booked.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "series-detail-desktop")

    page.goto("/schedule/")
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    booked = page.get_by_role("link", name=re.compile(r", 18:00 \(Asia\/Tokyo, UTC\+9\)"))
    expect(booked).to_have_count(count)
    expect(booked.first).to_contain_text(f"{first:%a %d %b %Y}")
    assert_accessible(page)
    screenshot(page, "schedule-with-series-desktop")

    series = in_thread(lambda: SessionSeries.objects.get())
    assert series.zone == "Asia/Tokyo" and series.time == time(18)
    starts = in_thread(lambda: list(Session.objects.values_list("starts_at", flat=True)))
    assert sorted(s.astimezone(TOKYO).strftime("%H:%M") for s in starts) == ["18:00"] * count
    problems_of(tokyo).assert_none()


def test_series_preview_and_schedule_at_phone_width(new_context, asgi_server):
    mentorship = in_thread(_setup)
    phone = new_context(timezone_id="Asia/Tokyo", **PHONE)
    log_in(phone, mentorship.mentee, asgi_server)
    page = phone.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/series/new/")
    _fill_series(page, _first_date(), 2)
    page.get_by_role("button", name="Preview the dates").click()
    expect(page.get_by_role("heading", name="2 of 2 dates are free")).to_be_visible()
    assert_accessible(page)
    # The preview table scrolls inside its card; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "series-preview-phone")
    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_text("2 sessions are booked.")).to_be_visible()
    page.goto("/schedule/")
    expect(page.get_by_role("link", name=re.compile(r"18:00 \(Asia\/Tokyo"))).to_have_count(2)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "schedule-phone")
    problems_of(phone).assert_none()


NEW_YORK = ZoneInfo("America/New_York")


def _next_spring_gap_day() -> date:
    """The next New York spring-forward date at least 8 days away (so a week before is bookable)."""
    day = datetime.now(NEW_YORK).date() + timedelta(days=8)
    while True:
        noon = datetime.combine(day, time(12), tzinfo=NEW_YORK)
        midnight = datetime.combine(day, time(0), tzinfo=NEW_YORK)
        if noon.utcoffset() > midnight.utcoffset():  # type: ignore[operator]
            return day
        day += timedelta(days=1)


def _setup_new_york():  # type: ignore[no-untyped-def]
    mentorship = _setup()
    mentorship.mentee.profile.time_zone = "America/New_York"
    mentorship.mentee.profile.save()
    return mentorship


def test_series_preview_shows_the_occurrence_moved_by_the_clock_change(new_context, asgi_server):
    """Issue #27: a weekly 02:30 across New York's spring-forward keeps all three dates; the gap
    day is held at 03:30 and says so in the preview and on its session page."""
    mentorship = in_thread(_setup_new_york)
    gap_day = _next_spring_gap_day()
    ny: BrowserContext = new_context(timezone_id="America/New_York")
    log_in(ny, mentorship.mentee, asgi_server)
    page = ny.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/series/new/")
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("First session").fill((gap_day - timedelta(days=7)).isoformat())
    page.get_by_label("Time (your zone)").fill("02:30")
    page.get_by_label("Number of sessions").fill("3")
    page.get_by_role("button", name="Preview the dates").click()
    expect(page.get_by_role("heading", name="3 of 3 dates are free")).to_be_visible()
    rows = page.locator(".series-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1).locator("td").nth(1)).to_contain_text("Moved by the clock change")
    expect(rows.nth(1).locator("td").nth(1)).to_contain_text("so this session is at 03:30")
    expect(rows.nth(1).locator("td").nth(3)).to_contain_text("Sun 03:30")
    for other in (0, 2):
        expect(rows.nth(other).locator("td").nth(3)).to_contain_text("Sun 02:30")
        expect(rows.nth(other)).not_to_contain_text("Moved by the clock change")
    assert_accessible(page)
    screenshot(page, "series-preview-clock-change")

    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_text("3 sessions are booked.")).to_be_visible()
    moved = in_thread(lambda: Session.objects.get(series_index=1))
    assert moved.starts_at.astimezone(NEW_YORK).strftime("%H:%M") == "03:30"
    page.goto(f"/schedule/{moved.pk}/")
    expect(page.locator(".clock-note")).to_contain_text("Moved by the clock change")
    assert_accessible(page)
    problems_of(ny).assert_none()

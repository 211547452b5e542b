"""Time-zone fit where people decide (issue 26): a Mexico City mentee and Tokyo mentors. The
0 h warning and the other person's local time on the request form and at booking, night-time
slots marked with a moon and listed last, and the travelling note (device zone ≠ profile)."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.profiles.models import Profile
from mentorloom.scheduling.models import AvailabilityRule
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import MentorProfileFactory, ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


def _setup():  # type: ignore[no-untyped-def]
    mentor = ProfileFactory(
        display_name="Aiko Tanaka",
        time_zone="Asia/Tokyo",
        is_mentor=True,
        work_start=time(9, 30),
        work_end=time(18, 30),
    )
    mentor.session_lengths = [60]
    mentor.save()
    mentee = ProfileFactory(
        display_name="Lucía Hernández",
        time_zone="America/Mexico_City",
        work_start=time(9),
        work_end=time(18),
    )
    mentorship = SchedulingMentorshipFactory(mentor=mentor.user, mentee=mentee.user)
    # Open around the clock, so day-time and night-time slots exist whenever the test runs.
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor.user, weekday=d, start=s, end=e)
        for d in range(1, 8)
        for s, e in ((time(0), time(12)), (time(12), time(0)))
    )
    other = MentorProfileFactory(display_name="Kenta Mori", time_zone="Asia/Tokyo")
    return mentorship, other.user


def test_zero_overlap_warning_and_night_slots_on_request_and_booking(new_context, asgi_server):
    mentorship, other_mentor = in_thread(_setup)
    for name, options in (("desktop", {}), ("phone", PHONE)):
        context: BrowserContext = new_context(timezone_id="America/Mexico_City", **options)
        log_in(context, mentorship.mentee, asgi_server)
        page: Page = context.new_page()

        page.goto(f"/mentors/{other_mentor.pk}/request/")
        fit = page.locator("[data-time-fit]")
        expect(fit).to_contain_text("0 h overlap")
        expect(fit).to_contain_text(
            re.compile(r"It is \d\d:\d\d .*for Kenta Mori now \(Asia/Tokyo\)")
        )
        expect(page.get_by_role("link", name="say so on your profile")).to_be_visible()
        assert_accessible(page)
        screenshot(page, f"request-time-fit-{name}")

        page.goto(f"/mentorships/{mentorship.pk}/book/")
        expect(page.locator("[data-time-fit]")).to_contain_text("0 h overlap")
        first_day = page.locator(".slot-day").first
        buttons = first_day.get_by_role("button")
        names = [b.evaluate("b => b.textContent.replace(/\\s+/g, ' ')") for b in buttons.all()]
        nights = [n for n in names if "night-time for you" in n]
        days = [n for n in names if "night-time for you" not in n]
        assert nights, names
        if days:  # day-time ones first, then the night
            assert names[: len(days)] == days, names
        night = first_day.get_by_role("button", name=re.compile("night-time for you")).first
        expect(night).to_be_visible()
        assert_accessible(page)
        screenshot(page, f"booking-night-slots-{name}")
        problems_of(context).assert_none()


def _travelling_mentee():  # type: ignore[no-untyped-def]
    return ProfileFactory(display_name="Lucía Hernández", time_zone="America/Mexico_City").user


def test_travelling_note_offers_the_device_zone_once(new_context, asgi_server):
    user = in_thread(_travelling_mentee)
    madrid: BrowserContext = new_context(timezone_id="Europe/Madrid")
    log_in(madrid, user, asgi_server)
    page = madrid.new_page()
    page.goto("/mentors/")
    note = page.locator("[data-travel-note]")
    expect(note).to_contain_text("Your device is on Madrid time (Europe/Madrid)")
    keep = note.get_by_role("button", name="Keep Mexico City")
    expect(keep).to_be_visible()
    assert_accessible(page)
    screenshot(page, "travel-note-desktop", full_page=False)
    keep.click()
    expect(note).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", name="Find a mentor")).to_be_visible()
    expect(note).to_be_hidden()  # remembered
    problems_of(madrid).assert_none()

    # Another device (fresh storage): switch the profile to the device's zone.
    phone: BrowserContext = new_context(timezone_id="Europe/Madrid", **PHONE)
    log_in(phone, user, asgi_server)
    page = phone.new_page()
    page.goto("/mentors/")
    use = page.get_by_role("button", name="Use Madrid time")
    expect(use).to_be_visible()
    screenshot(page, "travel-note-phone", full_page=False)
    use.click()
    expect(page.locator("[data-travel-note]")).to_be_hidden()
    zone = in_thread(lambda: Profile.objects.get(user=user).time_zone)
    assert zone == "Europe/Madrid"
    problems_of(phone).assert_none()


def test_no_travelling_note_when_the_device_hides_its_zone_as_utc(new_context, asgi_server):
    user = in_thread(_travelling_mentee)
    hidden: BrowserContext = new_context(timezone_id="UTC")
    log_in(hidden, user, asgi_server)
    page = hidden.new_page()
    page.goto("/mentors/")
    expect(page.get_by_role("heading", name="Find a mentor")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-travel-note]")).to_be_hidden()
    same: BrowserContext = new_context(timezone_id="America/Mexico_City")
    log_in(same, user, asgi_server)
    page = same.new_page()
    page.goto("/mentors/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-travel-note]")).to_be_hidden()

"""A mentee in Tokyo books a session with a mentor in Berlin: the slots are shown in Tokyo
time with Berlin time beside each, the booking lands, and the session page says when."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.scheduling.models import AvailabilityRule, Session
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser


def _setup():  # type: ignore[no-untyped-def]
    mentor = ProfileFactory(display_name="Aiko Berg", time_zone="Europe/Berlin", is_mentor=True)
    mentee = ProfileFactory(display_name="Kenji Sato", time_zone="Asia/Tokyo")
    mentor.session_lengths = [30]
    mentor.save()
    mentorship = SchedulingMentorshipFactory(mentor=mentor.user, mentee=mentee.user)
    # Open around the clock, so the test finds slots whatever day and hour it runs.
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor.user, weekday=d, start=s, end=e)
        for d in range(1, 8)
        for s, e in ((time(0), time(12)), (time(12), time(0)))
    )
    return mentorship


def test_mentee_books_a_slot_shown_in_their_zone(new_context, asgi_server):
    mentorship = in_thread(_setup)
    tokyo: BrowserContext = new_context(timezone_id="Asia/Tokyo")
    log_in(tokyo, mentorship.mentee, asgi_server)
    page: Page = tokyo.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/book/")
    expect(page.get_by_role("heading", name="Book a session with Aiko Berg")).to_be_visible()
    expect(page.get_by_text("Asia/Tokyo", exact=True).first).to_be_visible()
    slot = page.get_by_role("button", name=re.compile(r"for you · \d\d:\d\d.* for Aiko Berg")).first
    label = slot.inner_text()
    mine, theirs = re.findall(r"(\d\d:\d\d)", label)[:2]
    # Tokyo is 7 hours ahead of Berlin in summer and 8 in winter.
    diff = (int(mine[:2]) - int(theirs[:2])) % 24
    assert diff in (7, 8), label
    assert_accessible(page)
    screenshot(page, "booking-desktop")

    page.get_by_label("What would you like to talk about?").fill("Moving into product")
    slot.click()
    expect(page.get_by_role("heading", name="Session with Aiko Berg")).to_be_visible()
    expect(page.get_by_text("Booked. The invitation is on its way")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"{mine} \(Asia/Tokyo, UTC\+9\)"))).to_be_visible()
    expect(page.get_by_text(re.compile(rf"{theirs} \(Europe/Berlin"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "session-desktop")

    session = in_thread(lambda: Session.objects.get())
    assert session.zone == "Asia/Tokyo" and session.agenda == "Moving into product"
    problems_of(tokyo).assert_none()


def test_booking_and_availability_pages_at_phone_width(new_context, asgi_server):
    mentorship = in_thread(_setup)
    phone = new_context(
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    log_in(phone, mentorship.mentee, asgi_server)
    page = phone.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/book/")
    expect(page.get_by_role("button", name=re.compile("for you")).first).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "booking-phone")
    page.goto("/availability/")
    expect(page.get_by_role("heading", name="Your availability")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "availability-phone")
    problems_of(phone).assert_none()


def test_drawing_on_the_weekly_grid_fills_the_form(new_context, asgi_server):
    mentorship = in_thread(_setup)
    context = new_context()
    log_in(context, mentorship.mentor, asgi_server)
    page = context.new_page()
    page.goto("/availability/")
    canvas = page.locator("[data-avail-canvas]")
    box = canvas.bounding_box()
    assert box is not None
    # Tuesday column (second of seven), from 07:00 to 09:00 (rows are 24 h tall).
    x = box["x"] + box["width"] * 1.5 / 7
    page.mouse.move(x, box["y"] + box["height"] * 7 / 24)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 9 / 24, steps=5)
    page.mouse.up()
    expect(page.locator("#rule-form [name=weekday]")).to_have_value("2")
    expect(page.locator("#rule-form [name=start]")).to_have_value("07:00")
    expect(page.locator("#rule-form [name=end]")).to_have_value("09:00")
    assert_accessible(page)
    screenshot(page, "availability-desktop")
    problems_of(context).assert_none()


def test_booking_follows_the_agreement_and_the_session_page_keeps_its_context(
    new_context, asgi_server
):
    from datetime import timedelta

    from django.utils import timezone

    from mentorloom.mentorships.models import AgreementVersion

    mentorship = in_thread(_setup)
    in_thread(
        lambda: AgreementVersion.objects.create(
            mentorship=mentorship, number=1, session_length="45 minutes"
        )
    )
    tokyo = new_context(timezone_id="Asia/Tokyo")
    log_in(tokyo, mentorship.mentee, asgi_server)
    page = tokyo.new_page()
    page.goto(f"/mentorships/{mentorship.pk}/book/")
    expect(page.get_by_label("Length")).to_have_value("45")
    page.get_by_label("What would you like to talk about?").fill("Moving into product")
    page.get_by_role("button", name=re.compile("for you")).first.click()
    expect(page.get_by_role("heading", name="Session with Aiko Berg")).to_be_visible()
    panel = page.locator("section.session-panel")
    expect(panel).to_contain_text("Moving into product")
    expect(panel).not_to_contain_text("No agenda yet")
    expect(page.get_by_text("45 minutes")).to_be_visible()

    # Cancelling is behind a button: the form appears only when asked for.
    expect(page.get_by_role("button", name="Yes, cancel the session")).to_be_hidden()
    page.get_by_text("Cancel this session…").click()
    expect(page.get_by_role("button", name="Yes, cancel the session")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "session-agreement-desktop")

    # "Join video call" turns on by itself when the room opens (10 minutes before the start).
    def soon() -> int:
        session = Session.objects.get()
        session.starts_at = timezone.now() + timedelta(minutes=10, seconds=3)
        session.ends_at = session.starts_at + timedelta(minutes=45)
        session.save()
        return session.pk

    session_id = in_thread(soon)
    page.goto(f"/schedule/{session_id}/")
    join = page.get_by_role("button", name="Join video call")
    expect(join).to_be_disabled()
    expect(join).to_be_enabled(timeout=8000)
    expect(page.get_by_text("The call room is open until the session ends.")).to_be_visible()

    phone = new_context(timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844})
    log_in(phone, mentorship.mentee, asgi_server)
    small = phone.new_page()
    small.goto(f"/schedule/{session_id}/")
    assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(small, "session-agreement-phone")
    problems_of(tokyo).assert_none()

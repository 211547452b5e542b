"""The mentor asks to move a session; the mentee sees the proposal on the session page in
their own zone and accepts it — and the session page shows the new time to both."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from mentorloom.scheduling import services
from mentorloom.scheduling.models import AvailabilityRule, Session
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser


def tokyo_when(instant: datetime) -> str:
    """Spelled out here rather than with the product's formatter (Tokyo keeps UTC+9)."""
    return f"{instant.astimezone(ZoneInfo('Asia/Tokyo')):%a %d %b %Y, %H:%M} (Asia/Tokyo, UTC+9)"


def _setup():  # type: ignore[no-untyped-def]
    mentor = ProfileFactory(display_name="Aiko Berg", time_zone="Europe/Berlin", is_mentor=True)
    mentee = ProfileFactory(display_name="Kenji Sato", time_zone="Asia/Tokyo")
    mentor.session_lengths = [30]
    mentor.save()
    mentorship = SchedulingMentorshipFactory(mentor=mentor.user, mentee=mentee.user)
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor.user, weekday=d, start=s, end=e)
        for d in range(1, 8)
        for s, e in ((time(0), time(12)), (time(12), time(0)))
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    session, _ = services.book_session(
        mentee.user, mentorship, starts_at=start, duration_minutes=30, zone="Asia/Tokyo"
    )
    new_start = start + timedelta(days=1, hours=2)
    services.request_reschedule(
        mentor.user, session, starts_at=new_start, zone="Europe/Berlin", message="Board meeting"
    )
    return mentorship, session, new_start


def test_mentee_accepts_the_mentors_proposal_on_the_session_page(new_context, asgi_server):
    mentorship, session, new_start = in_thread(_setup)
    tokyo = new_context(timezone_id="Asia/Tokyo")
    log_in(tokyo, mentorship.mentee, asgi_server)
    page = tokyo.new_page()
    page.goto(f"/schedule/{session.pk}/")
    banner = page.get_by_role("region", name="Aiko Berg asks to move this session")
    expect(banner).to_contain_text(tokyo_when(new_start))
    expect(banner).to_contain_text("“Board meeting”")
    assert_accessible(page)
    screenshot(page, "reschedule-proposal-desktop")

    banner.get_by_role("button", name="Accept the new time").click()
    expect(page.get_by_text("The session is moved")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("asks to move"))).to_have_count(0)
    expect(page.get_by_text(tokyo_when(new_start))).to_be_visible()
    moved = in_thread(lambda: Session.objects.get(pk=session.pk))
    assert moved.starts_at == new_start and moved.ics_sequence == 1
    problems_of(tokyo).assert_none()

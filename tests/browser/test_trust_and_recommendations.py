"""Issue 26 in Chromium: a current mentor and a mentor already asked are not recommended, a
mentor-only account is asked for goals, and a mentor's profile shows a track record with a
generated avatar, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentorloom.mentorships.models import Mentorship
from mentorloom.mentorships.services import send_request
from mentorloom.profiles import services as profile_services
from mentorloom.scheduling.models import Session, SessionStatus
from tests.browser.conftest import PHONE
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory

pytestmark = pytest.mark.browser

PM = {"topics": ["Becoming a product manager"], "headline": "Senior product manager"}
ASK = "Hi! I want to move into product management within a year. Could you help me with it?"


def _mentor(name: str):  # type: ignore[no-untyped-def]
    profile = ProfileFactory(
        display_name=name, is_mentor=True, accepting_requests=True, capacity=3, headline=""
    )
    profile_services.update_profile(profile, **PM)
    return profile


def _people():  # type: ignore[no-untyped-def]
    mentee = ProfileFactory(display_name="Ola Mentee", time_zone="Europe/Madrid")
    profile_services.update_profile(mentee, career_goals=["Become a product manager"])
    current, asked, fresh = (_mentor(n) for n in ("Carla Current", "Asa Asked", "Fiona Fresh"))
    mentorship = Mentorship.objects.create(mentor=current.user, mentee=mentee.user)
    send_request(mentee.user, asked.user_id, message=ASK)
    starts = timezone.now() - timedelta(days=14)
    Session.objects.create(
        mentorship=mentorship, mentor=current.user, mentee=mentee.user, starts_at=starts,
        ends_at=starts + timedelta(minutes=45), zone="Europe/Berlin",
        status=SessionStatus.COMPLETED,
    )  # fmt: skip
    mentor_only = _mentor("Mo Mentor")
    profile_services.update_profile(mentor_only, interests=["Becoming a product manager"])
    return mentee.user, current, fresh, mentor_only.user


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_current_and_asked_mentors_are_not_recommended(
    new_context, asgi_server, transactional_db, width
):
    mentee, _current, _fresh, _ = in_thread(_people)
    context = new_context(**(PHONE if width == "phone" else {}))
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/dashboard/")
    recs = page.locator("#recommendations")
    expect(recs.get_by_role("link", name="Fiona Fresh")).to_be_visible()
    expect(recs.get_by_role("link", name="Carla Current")).to_have_count(0)
    expect(recs.get_by_role("link", name="Asa Asked")).to_have_count(0)
    recs.scroll_into_view_if_needed()
    assert_accessible(page)
    screenshot(page, f"recommendations-{width}")
    page.goto("/recommendations/")
    expect(page.get_by_role("link", name="Fiona Fresh")).to_be_visible()
    expect(page.get_by_role("link", name="Carla Current")).to_have_count(0)
    problems_of(context).assert_none()


def test_a_mentor_only_account_is_asked_for_goals(new_context, asgi_server, transactional_db):
    *_, mentor_only = in_thread(_people)
    context = new_context()
    log_in(context, mentor_only, asgi_server)
    page = context.new_page()
    page.goto("/dashboard/")
    recs = page.locator("#recommendations")
    expect(recs.get_by_text("Tell us more about your goals")).to_be_visible()
    expect(recs.get_by_text("Looking for a mentor yourself?")).to_be_visible()
    expect(recs.get_by_text("closely matches")).to_have_count(0)
    expect(recs.get_by_role("link", name="Fiona Fresh")).to_have_count(0)
    recs.scroll_into_view_if_needed()
    screenshot(page, "recommendations-mentor-only", full_page=False)
    problems_of(context).assert_none()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_mentor_profile_shows_a_track_record_and_a_generated_avatar(
    new_context, asgi_server, transactional_db, width
):
    mentee, current, *_ = in_thread(_people)
    context = new_context(**(PHONE if width == "phone" else {}))
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto(f"/people/{current.user_id}/")
    record = page.get_by_role("list", name="Track record")
    expect(record).to_contain_text("1 session held")
    expect(record).to_contain_text("1 mentee helped")
    expect(record).to_contain_text("Member since")
    avatar = page.locator("header svg.avatar--generated")
    expect(avatar).to_be_visible()
    expect(avatar.locator("text")).to_have_text("CC")
    box = avatar.bounding_box()
    assert box and box["width"] > 60  # the large profile size, not the 40 px viewBox
    assert_accessible(page)
    screenshot(page, f"mentor-profile-trust-{width}", full_page=False)
    problems_of(context).assert_none()

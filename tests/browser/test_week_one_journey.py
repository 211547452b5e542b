"""Issue 26 in Chromium: acting on a request clears its notification, and the mentee's inbox
lists the new mentorship's conversation right after the mentor accepts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentorloom.mentorships import services as mentorships
from tests.browser.conftest import PHONE
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import MentorProfileFactory, ProfileFactory

pytestmark = pytest.mark.browser

HELLO = "Hi Maya! I want to move into product management within a year. Could you help me?"


def _request():  # type: ignore[no-untyped-def]
    mentor = MentorProfileFactory(display_name="Maya Mentor", capacity=3).user
    mentee = ProfileFactory(display_name="Ola Mentee").user
    return mentor, mentee, mentorships.send_request(mentee, mentor.pk, message=HELLO)


def test_accepting_clears_the_notification_and_the_inbox_lists_the_conversation(
    new_context, asgi_server, transactional_db
):
    mentor, mentee, request = in_thread(_request)
    mentor_ctx, mentee_ctx = new_context(), new_context(**PHONE)
    log_in(mentor_ctx, mentor, asgi_server)
    log_in(mentee_ctx, mentee, asgi_server)

    mentee_page = mentee_ctx.new_page()
    mentee_page.goto("/messages/")
    # The request opened the pair's conversation already (it waits for the mentor's answer).
    expect(mentee_page.get_by_text("Request · pending")).to_be_visible()

    page = mentor_ctx.new_page()
    page.goto("/dashboard/")
    nav = page.get_by_role("navigation").get_by_role("link", name="Notifications")
    expect(nav).to_contain_text("1")
    page.goto(f"/requests/{request.pk}/")
    page.get_by_role("button", name="Accept").first.click()
    page.wait_for_url("**/mentorships/*/**")
    expect(nav).not_to_contain_text("1")  # the badge cleared: the request is dealt with
    screenshot(page, "accepted-no-badge-desktop")

    mentee_page.goto("/messages/")
    expect(mentee_page.get_by_role("link", name="Maya Mentor")).to_be_visible()
    # The same conversation, now the mentorship's: one row, no longer a pending request.
    expect(mentee_page.get_by_role("link", name="Maya Mentor")).to_have_count(1)
    expect(mentee_page.get_by_text("Request · pending")).to_have_count(0)
    expect(mentee_page.get_by_text("No conversations yet")).to_have_count(0)
    assert_accessible(mentee_page)
    screenshot(mentee_page, "inbox-after-accept-phone")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_notification_settings_page_at_both_widths(new_context, asgi_server, transactional_db):
    mentor, mentee, _ = in_thread(_request)
    for name, user, options in (("desktop", mentor, {}), ("phone", mentee, PHONE)):
        context = new_context(**options)
        log_in(context, user, asgi_server)
        page = context.new_page()
        page.goto("/notifications/")
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("A daily digest").first.check()
        page.get_by_role("button", name="Save notification settings").click()
        expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
        expect(page.get_by_label("A daily digest").first).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)
        screenshot(page, f"notification-settings-{name}")
        problems_of(context).assert_none()


def test_a_fresh_demo_shows_insights_trends_and_carry_forward(
    new_context, asgi_server, transactional_db
):
    from django.contrib.auth import get_user_model

    from mentorloom.demo.seed import seed_demo
    from mentorloom.scheduling.models import Session

    in_thread(seed_demo)
    users = get_user_model().objects
    aiko = in_thread(lambda: users.get(email="aiko.tanaka@demo.mentorloom.org"))
    lucas = in_thread(lambda: users.get(email="lucas.oliveira@demo.mentorloom.org"))
    upcoming = in_thread(lambda: Session.objects.get(mentee=lucas, status="booked"))

    mentor_ctx = new_context()
    log_in(mentor_ctx, aiko, asgi_server)
    page = mentor_ctx.new_page()
    page.goto("/insights/")
    expect(page.get_by_text("not enough", exact=False)).to_have_count(0)
    expect(page.get_by_text("Empathy").first).to_be_visible()
    screenshot(page, "demo-insights-desktop")

    mentee_ctx = new_context(**PHONE)
    log_in(mentee_ctx, lucas, asgi_server)
    small = mentee_ctx.new_page()
    small.goto(f"/sessions/{upcoming.pk}/agenda/")
    expect(small.get_by_text("Apply to five roles and note each reply").first).to_be_visible()
    screenshot(small, "demo-carry-forward-phone")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_report_and_block_sit_in_a_keyboard_usable_menu_and_tokens_copy(
    new_context, asgi_server, transactional_db
):
    mentor = in_thread(lambda: MentorProfileFactory(display_name="Maya Mentor").user)
    mentee = in_thread(lambda: ProfileFactory(display_name="Ola Mentee").user)
    for name, options in (("desktop", {}), ("phone", PHONE)):
        context = new_context(**options)
        log_in(context, mentee, asgi_server)
        page = context.new_page()
        page.goto(f"/people/{mentor.pk}/")
        expect(page.get_by_role("link", name="Ask to connect")).to_be_visible()
        report = page.get_by_role("link", name="Report")
        expect(report).to_be_hidden()
        page.get_by_label("More actions for Maya Mentor").focus()
        page.keyboard.press("Enter")
        expect(report).to_be_visible()
        expect(page.get_by_role("button", name="Block")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)
        screenshot(page, f"profile-more-menu-{name}")
        for path in ("/api/v1/docs", "/profile/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            # A mobile browser widens its layout viewport to fit what overflows (and lays a
            # page without a viewport meta out 980 px wide): compare with the screen's width.
            width = 1280 if name == "desktop" else 390
            wide = page.evaluate("document.documentElement.scrollWidth") - width
            # The first screen is what a person sees of a page that fits; a full-page picture
            # of the API docs (every operation, at twice the pixels on a phone) took up to 10 s.
            shot = f"overflow-{path.strip('/').replace('/', '-')}-{name}"
            screenshot(page, shot, full_page=False)
            assert wide <= 0, f"{path} overflows by {wide}px at {name}"
        problems_of(context).assert_none()

    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/accounts/settings/")
    page.get_by_label("Token name").fill("Laptop script")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    page.locator("html[data-enhanced]").wait_for(state="attached")  # the Copy button is wired
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    screenshot(page, "token-copy-desktop")


def test_the_profile_form_shows_mentor_settings_when_you_choose_to_mentor(
    new_context, asgi_server, transactional_db
):
    mentee = in_thread(lambda: ProfileFactory(display_name="Ola Mentee", is_mentor=False).user)
    context = new_context(**PHONE)
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/profile/")
    capacity = page.locator("#id_capacity")
    expect(capacity).to_be_hidden()
    page.get_by_label("I want to mentor").check()
    expect(capacity).to_be_visible()
    screenshot(page, "profile-mentor-settings-phone", full_page=False)
    page.get_by_label("I want to mentor").uncheck()
    expect(capacity).to_be_hidden()
    assert_accessible(page)
    problems_of(context).assert_none()

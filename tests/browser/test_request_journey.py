"""From request to working mentorship, in Chromium against the real ASGI server: the mentee asks
to connect, the mentor asks for more information, the mentee answers, the mentor accepts, both
confirm the agreement and the mentee adds a goal with a milestone. axe-core on the key pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentorloom.mentorships.models import Goal, Mentorship, MentorshipRequest
from mentorloom.profiles.models import CareerGoal
from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.factories import MentorProfileFactory, ProfileFactory

pytestmark = pytest.mark.browser

MESSAGE = (
    "Hi Maya! I'm a backend engineer with five years of experience and I want to move into "
    "product management within a year. Your talk on discovery work resonated with me."
)


def test_request_to_agreed_mentorship_with_a_goal(new_context, asgi_server):
    mentor = MentorProfileFactory(display_name="Maya Mentor", time_zone="America/Sao_Paulo").user
    mentee_profile = ProfileFactory(display_name="Ola Mentee", time_zone="Africa/Lagos")
    mentee_profile.career_goals.add(CareerGoal.objects.create(name="Move into product management"))
    mentee = mentee_profile.user

    mentee_ctx, mentor_ctx = new_context(), new_context()
    log_in(mentee_ctx, mentee, asgi_server)
    log_in(mentor_ctx, mentor, asgi_server)
    them, me = mentor_ctx.new_page(), mentee_ctx.new_page()

    # Mentee asks to connect.
    me.goto(f"/mentors/{mentor.pk}/request/")
    expect(me.get_by_role("heading", name="Ask Maya Mentor to mentor you")).to_be_visible()
    assert_accessible(me)
    screenshot(me, "request-create")
    me.get_by_label("Your message").fill(MESSAGE)
    me.get_by_label("Move into product management").check()
    me.get_by_label("Video", exact=True).check()
    me.get_by_label("How often?").select_option("weekly")
    me.get_by_role("button", name="Send request").click()
    expect(me.get_by_text("Your request is on its way to Maya Mentor.")).to_be_visible()
    expect(me.locator("#request-status")).to_have_text("Waiting for the mentor")

    # Mentor finds it in the inbox and asks for more information.
    them.goto("/requests/")
    assert_accessible(them)
    screenshot(them, "requests-inbox")
    them.get_by_role("link", name="From Ola Mentee").click()
    expect(them.get_by_text(MESSAGE)).to_be_visible()
    them.get_by_text("Ask for more information").click()
    them.get_by_label("Your question").fill("Which kind of products excite you most?")
    them.get_by_role("button", name="Send question").click()
    expect(them.locator("#request-status")).to_have_text("Mentor asked for more information")
    assert_accessible(them)
    screenshot(them, "request-detail-mentor")

    # Mentee answers.
    me.reload()
    expect(me.get_by_text("Which kind of products excite you most?")).to_be_visible()
    me.get_by_label("Your answer").fill("Developer tools and climate tech.")
    me.get_by_role("button", name="Send answer").click()
    expect(me.get_by_text("Your answer is sent.")).to_be_visible()

    # Mentor accepts and lands in the mentorship space; confirms the draft agreement.
    them.reload()
    expect(them.get_by_text("Developer tools and climate tech.")).to_be_visible()
    them.get_by_role("button", name="Accept").click()
    expect(them.get_by_role("heading", name="Mentoring Ola Mentee")).to_be_visible()
    expect(them.get_by_text("Every week").first).to_be_visible()
    them.get_by_role("button", name="Confirm version 1").click()
    expect(them.get_by_text("You confirmed; waiting for Ola Mentee.")).to_be_visible()

    mentorship = Mentorship.objects.get()
    assert MentorshipRequest.objects.get().status == "accepted"

    # Mentee confirms too: version 1 is now in force.
    me.goto(f"/mentorships/{mentorship.pk}/")
    expect(me.get_by_role("heading", name="Mentored by Maya Mentor")).to_be_visible()
    me.get_by_role("button", name="Confirm version 1").click()
    expect(me.get_by_text("In force: version 1, confirmed by both")).to_be_visible()

    # Mentee adds a goal with a milestone.
    me.get_by_text("Add a goal").click()
    me.get_by_role("textbox", name="Goal", exact=True).fill("Land a first PM role")
    me.get_by_label("Milestones").fill("Write a product case study")
    me.get_by_role("button", name="Add goal").click()
    expect(me.get_by_role("heading", name="Land a first PM role")).to_be_visible()
    milestone = me.get_by_role("checkbox", name="Write a product case study")
    expect(milestone).not_to_be_checked()
    expect(me.get_by_role("button", name="Save")).to_be_hidden()  # ticking saves by itself
    milestone.check()
    me.wait_for_load_state("load")
    expect(me.get_by_role("checkbox", name="Write a product case study")).to_be_checked()
    assert_accessible(me)
    screenshot(me, "mentorship-space")

    goal = Goal.objects.get()
    assert goal.owner == mentee and goal.milestones.get().title == "Write a product case study"
    assert goal.milestones.get().done_at is not None
    problems_of(mentee_ctx).assert_none()
    problems_of(mentor_ctx).assert_none()


def test_notifications_page_is_accessible(new_context, asgi_server):
    from mentorloom.notifications.services import notify

    person = ProfileFactory(display_name="Nia").user
    notify(person, kind="k", title="Maya accepted your request", url="/mentorships/", email=False)
    ctx = new_context()
    log_in(ctx, person, asgi_server)
    page = ctx.new_page()
    page.goto("/notifications/")
    expect(page.get_by_role("button", name="Unread: Maya accepted your request")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "notifications")
    problems_of(ctx).assert_none()


def test_a_sent_request_is_a_conversation_the_mentor_finds_in_messages(new_context, asgi_server):
    """Issue 26, item 2: the request's conversation exists from the moment it is sent, so the
    mentor finds it under Messages, can ask before accepting, and the mentee sees it live."""
    from tests.browser.conftest import PHONE

    mentor = MentorProfileFactory(display_name="Maya Mentor").user
    mentee = ProfileFactory(display_name="Ola Mentee").user
    mentee_ctx, mentor_ctx = new_context(), new_context()
    log_in(mentee_ctx, mentee, asgi_server)
    log_in(mentor_ctx, mentor, asgi_server)
    me, them = mentee_ctx.new_page(), mentor_ctx.new_page()
    # A fresh server builds its URLconf (every API schema) on its first page: seconds on a
    # busy machine, so that page alone gets a longer wait.
    them.goto("/", timeout=60_000)

    me.goto(f"/mentors/{mentor.pk}/request/")
    me.get_by_label("Your message").fill(MESSAGE)
    me.get_by_role("button", name="Send request").click()
    expect(me.get_by_text("Your request is on its way to Maya Mentor.")).to_be_visible()
    me.get_by_role("link", name="Message Maya Mentor").click()
    expect(me.get_by_role("heading", name="Maya Mentor")).to_be_visible()
    expect(me.get_by_text("Your request · pending")).to_be_visible()

    # The mentor opens Messages from the navigation: the request is listed there.
    them.reload()
    them.get_by_role("link", name="Messages").first.click()
    row = them.locator(".inbox__item", has_text="Ola Mentee")
    expect(row).to_contain_text("Request · pending")
    assert_accessible(them)
    screenshot(them, "inbox-request")
    row.get_by_role("link", name="Ola Mentee").click()
    expect(them.get_by_text(MESSAGE)).to_be_visible()  # the note, as context at the top
    them.locator("#chat-body").fill("Happy to help. Which PM roles interest you?")
    them.get_by_role("button", name="Send").click()
    # The mentee, with the conversation open, sees the question arrive without a reload.
    expect(me.get_by_text("Happy to help. Which PM roles interest you?")).to_be_visible()
    assert_accessible(them)
    screenshot(them, "conversation-request")

    phone = new_context(**PHONE)
    log_in(phone, mentor, asgi_server)
    small = phone.new_page()
    small.goto("/messages/")
    expect(small.get_by_text("Request · pending")).to_be_visible()
    screenshot(small, "inbox-request-phone")
    small.get_by_role("link", name="Ola Mentee").click()
    expect(small.get_by_text("Happy to help. Which PM roles interest you?")).to_be_visible()
    assert_accessible(small)
    screenshot(small, "conversation-request-phone")
    for ctx in (mentee_ctx, mentor_ctx, phone):
        problems_of(ctx).assert_none()

"""Joining a program in Chromium, at 1280 and 390 px: someone an admin added sees "Waiting for
your answer" on the Programs page, joins with the keyboard, and only then reaches what the
program holds for them (here, the shortlist of a mentee-choice run)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentorloom.programs import services
from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    assert_accessible,
    assert_fits,
    log_in,
    problems_of,
    screenshot,
)
from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.browser


def _added_to_a_choice_run():
    admin = UserFactory()
    program = ProgramFactory(
        admin=admin,
        name="Women in engineering",
        description="Six months with an engineer a few steps ahead of you.",
    )
    for name in ("Ada Lovelace", "Grace Hopper"):
        ProgramMembershipFactory(
            program=program,
            role="mentor",
            name=name,
            answers={"track": "web"},
            user=ProfileFactory(display_name=name, is_mentor=True).user,
        )
    mentee = ProfileFactory(display_name="Mia Mentee").user
    ProgramMembershipFactory(
        program=program, user=mentee, role="mentee", answers={"track": "web"}, joined_at=None
    )
    services.run_matching(admin, program, mode="choice")
    return program, mentee


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_added_mentee_joins_and_then_sees_their_shortlist(
    new_context, asgi_server, transactional_db, device
):
    program, mentee = _added_to_a_choice_run()
    context = new_context(**(PHONE if device == "phone" else {}))
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/programs/")
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_be_visible()
    expect(page.get_by_text("added you as a mentee")).to_be_visible()
    # Nothing of the program's is reachable before joining.
    expect(page.get_by_role("link", name="See your shortlist")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page, 390 if device == "phone" else 1280)
    screenshot(page, f"program-joining-asked-{device}")

    join = page.get_by_role("button", name="Join Women in engineering")
    join.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You joined Women in engineering.")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_have_count(0)
    page.get_by_role("link", name="See your shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your mentor")
    expect(page.get_by_role("radio")).to_have_count(2)
    assert program.memberships.get(user=mentee).joined_at is not None
    problems_of(context).assert_none()


def test_a_declined_program_can_still_be_joined(new_context, asgi_server, transactional_db):
    program, mentee = _added_to_a_choice_run()
    context = new_context(**PHONE)
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/programs/")
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("You declined Women in engineering.")).to_be_visible()
    expect(page.get_by_role("heading", name="Programs you declined")).to_be_visible()
    expect(page.get_by_text("You declined", exact=True)).to_be_visible()  # the card's badge
    expect(page.get_by_role("button", name="Decline")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "program-joining-declined-phone")
    assert program.memberships.get(user=mentee).declined_at is not None
    page.get_by_role("button", name="Join Women in engineering").click()
    expect(page.get_by_text("You joined Women in engineering.")).to_be_visible()
    problems_of(context).assert_none()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_admin_sees_who_has_joined(new_context, asgi_server, transactional_db, device):
    admin = UserFactory()
    program = ProgramFactory(admin=admin, name="Graduates 2026")
    joined = ProfileFactory(display_name="Ana Mentee").user
    ProgramMembershipFactory(program=program, user=joined, role="mentee", name="Ana Mentee")
    ProgramMembershipFactory(
        program=program,
        user=ProfileFactory(display_name="Cleo Mentor").user,
        role="mentor",
        name="Cleo Mentor",
        joined_at=None,
    )
    ProgramMembershipFactory(
        program=program, user=None, email="ben@example.org", role="mentee", name="Ben Mentee"
    )
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    context = new_context(**(PHONE if device == "phone" else {}))
    log_in(context, admin, asgi_server)
    page = context.new_page()
    page.goto(f"/programs/{program.pk}/")
    counts = page.locator(".member-counts li")
    expect(counts.first).to_have_text(
        "Mentors added: 1 — 0 joined, 1 not answered yet, 0 not signed up, 0 declined."
    )
    expect(counts.last).to_have_text(
        "Mentees added: 2 — 1 joined, 0 not answered yet, 1 not signed up, 0 declined."
    )
    assert_accessible(page)
    screenshot(page, f"program-joining-dashboard-{device}", full_page=False)
    page.goto(f"/programs/{program.pk}/runs/{run.pk}/")
    row = page.locator("tr", has_text="Ana Mentee")
    expect(row).to_contain_text("Not joined yet")  # Cleo, her mentor
    expect(row).to_contain_text("Starts when both have joined")
    assert_accessible(page)
    assert_fits(page, 390 if device == "phone" else 1280)
    screenshot(page, f"program-joining-review-{device}")
    problems_of(context).assert_none()

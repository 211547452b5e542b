"""Mentee-choice mode and the program's directory scope in Chromium, at 1280 and 390 px:
the shortlist with its reasons, picking with the keyboard, and the "In: <program>" chip."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentorloom.programs import services
from tests.browser.conftest import PHONE
from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.browser

TRACKS = ("web", "data", "ml", "ops")


def _choice_run():
    admin = UserFactory()
    program = ProgramFactory(
        admin=admin,
        name="Women in engineering",
        questions=[{"key": "track", "label": "Track", "kind": "single", "choices": list(TRACKS)}],
    )
    for t, name in zip(
        TRACKS, ("Ada Lovelace", "Grace Hopper", "Katherine Johnson", "Radia Perlman"), strict=True
    ):
        ProgramMembershipFactory(
            program=program,
            role="mentor",
            capacity=1,
            answers={"track": t},
            name=name,
            user=ProfileFactory(display_name=name, is_mentor=True).user,
        )
    mentee = ProfileFactory(display_name="Mia Mentee").user
    ProgramMembershipFactory(program=program, user=mentee, role="mentee", answers={"track": "web"})
    run = services.run_matching(admin, program, mode="choice")
    return program, run, mentee


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_mentee_picks_a_mentor_from_the_shortlist(
    new_context, asgi_server, transactional_db, device
):
    _, run, mentee = _choice_run()
    context = new_context(**(PHONE if device == "phone" else {}))
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/programs/")
    page.get_by_role("link", name="See your shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your mentor")
    options = page.get_by_role("radio")
    expect(options).to_have_count(3)
    expect(page.get_by_text("Track: both chose web")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"program-choice-{device}")
    # Keyboard only: focus the first option, choose it, submit.
    options.first.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Choose this mentor").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your choice is saved.")).to_be_visible()
    expect(page.get_by_text("Your choice", exact=True)).to_be_visible()
    assert run.pairs.get().mentor.name == "Ada Lovelace"
    screenshot(page, f"program-choice-picked-{device}")
    problems_of(context).assert_none()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_find_a_mentor_in_this_program_opens_the_scoped_directory(
    new_context, asgi_server, transactional_db, device
):
    from mentorloom.discovery.services import refresh_search_document

    program = ProgramFactory(name="Alumni circle", admin=UserFactory())
    inside = ProfileFactory(
        display_name="Ada Inside", is_mentor=True, accepting_requests=True, capacity=2
    )
    outside = ProfileFactory(
        display_name="Olu Outside", is_mentor=True, accepting_requests=True, capacity=2
    )
    for p in (inside, outside):
        refresh_search_document(p.pk)
    ProgramMembershipFactory(program=program, user=inside.user, role="mentor")
    mentee = ProfileFactory(display_name="Mia Mentee").user
    ProgramMembershipFactory(program=program, user=mentee, role="mentee")
    context = new_context(**(PHONE if device == "phone" else {}))
    log_in(context, mentee, asgi_server)
    page = context.new_page()
    page.goto("/programs/")
    page.get_by_role("link", name="Find a mentor in this program").click()
    expect(page.get_by_text("In: Alumni circle")).to_be_visible()
    expect(page.locator("#results")).to_contain_text("Ada Inside")
    expect(page.locator("#results")).not_to_contain_text("Olu Outside")
    assert_accessible(page)
    screenshot(page, f"program-directory-scope-{device}")
    page.get_by_role("link", name="Search all mentors, not only Alumni circle").click()
    expect(page.locator("#results")).to_contain_text("Olu Outside")
    expect(page.get_by_text("In: Alumni circle")).to_have_count(0)
    problems_of(context).assert_none()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_dashboard_compares_cohorts(new_context, asgi_server, transactional_db, device):
    admin = ProfileFactory(display_name="Program Admin").user
    program = ProgramFactory(name="Bootcamp graduates", admin=admin)
    for cohort, n in (("2025 spring", 3), ("2025 autumn", 2)):
        ProgramMembershipFactory(program=program, role="mentor", capacity=3, cohort=cohort)
        for _ in range(n):
            ProgramMembershipFactory(program=program, role="mentee", cohort=cohort)
    services.publish_run(admin, services.run_matching(admin, program))
    context = new_context(**(PHONE if device == "phone" else {}))
    log_in(context, admin, asgi_server)
    page = context.new_page()
    page.goto(f"/programs/{program.pk}/")
    expect(page.get_by_role("heading", name="Cohorts compared")).to_be_visible()
    expect(page.get_by_role("row", name="2025 spring")).to_contain_text("3")
    assert_accessible(page)
    page.get_by_role("heading", name="Cohorts compared").scroll_into_view_if_needed()
    screenshot(page, f"program-cohorts-{device}")
    problems_of(context).assert_none()

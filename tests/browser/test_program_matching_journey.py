"""A program admin imports a CSV, proposes matches, swaps one pair, publishes; the mentee, who
had not joined yet, follows the notice, joins, and then sees the introduction. Chromium against
the real ASGI server; axe-core on the admin pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentorloom.programs import services
from mentorloom.programs.models import ProposedPair
from tests.browser.helpers import assert_accessible, in_thread, log_in
from tests.factories import ProfileFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.browser


def test_import_match_swap_publish_and_the_mentee_sees_the_introduction(
    new_context, asgi_server, tmp_path
):
    admin = UserFactory()
    program = ProgramFactory(admin=admin, name="Graduates 2026")
    ana = ProfileFactory(display_name="Ana Mentee").user
    ben = ProfileFactory(display_name="Ben Mentee").user
    cleo = ProfileFactory(display_name="Cleo Mentor").user
    dev = ProfileFactory(display_name="Dev Mentor").user
    csv = tmp_path / "members.csv"
    csv.write_text(
        "email,role,name,zone,capacity,track\n"
        f"{ana.email},mentee,Ana Mentee,Europe/Berlin,,web\n"
        f"{ben.email},mentee,Ben Mentee,Europe/Berlin,,data\n"
        f"{cleo.email},mentor,Cleo Mentor,Europe/Berlin,1,web\n"
        f"{dev.email},mentor,Dev Mentor,Europe/Berlin,1,data\n"
    )
    ctx = new_context()
    log_in(ctx, admin, asgi_server)
    page = ctx.new_page()

    # The admin reaches the dashboard from the list of programs (cards, no bullets beside them).
    page.goto("/programs/")
    expect(page.locator(".card-list > li").first).to_have_css("list-style-type", "none")
    page.get_by_role("link", name="Open the dashboard").click()
    expect(page).to_have_url(f"{asgi_server}/programs/{program.pk}/")

    page.goto(f"/programs/{program.pk}/import/")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".import-counts")).to_contain_text("4 new")
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()

    page.goto(f"/programs/{program.pk}/")
    page.get_by_role("button", name="Propose matches").click()
    expect(page.get_by_role("heading", name="Review matches: Graduates 2026")).to_be_visible()
    ana_row = page.locator("tr", has_text="Ana Mentee")
    expect(ana_row.locator(".mentor")).to_contain_text("Cleo Mentor")
    expect(ana_row).to_contain_text("Track: both chose web")
    assert_accessible(page)

    page.get_by_label("Select Ana Mentee to swap").check()
    page.get_by_label("Select Ben Mentee to swap").check()
    page.get_by_role("button", name="Swap the two selected mentors").click()
    expect(page.locator("tr", has_text="Ana Mentee").locator(".mentor")).to_contain_text(
        "Dev Mentor"
    )
    # Ben and both mentors said yes already; Ana has not answered yet, so her pair waits.
    for person in (ben, cleo, dev):
        in_thread(services.join_program, person, program)
    page.get_by_role("button", name="Publish and introduce").click()
    expect(page.get_by_text("Published: 1 mentorships started")).to_be_visible()
    expect(page.get_by_text("1 pairs wait for someone to sign up or join")).to_be_visible()
    ana_row = page.locator("tr", has_text="Ana Mentee")
    expect(ana_row).to_contain_text("Not joined yet")
    expect(ana_row).to_contain_text("Starts when both have joined")
    assert ProposedPair.objects.filter(mentee__email=ana.email, mentor__email=dev.email).exists()

    mentee_ctx = new_context()
    log_in(mentee_ctx, ana, asgi_server)
    me = mentee_ctx.new_page()
    me.goto("/notifications/")
    me.get_by_role("button", name="added you to Graduates 2026").click()
    me.get_by_role("button", name="Join Graduates 2026").click()
    expect(me.get_by_text("You joined Graduates 2026.")).to_be_visible()
    me.goto("/notifications/")
    expect(me.get_by_text("Meet Dev Mentor: your Graduates 2026 match")).to_be_visible()

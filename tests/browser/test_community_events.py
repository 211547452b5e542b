"""A moderator follows the empty "Upcoming events" card to the schedule form (the community
preselected) and schedules a members-only workshop; a member sees it on the community page and
opens it. The form hides "Listed for everyone" while a community is chosen. axe on the
community page and the form, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_accessible,
    assert_fits,
    in_thread,
    log_in,
    problems_of,
    screenshot_kept,
)
from tests.communities.helpers import community_with

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_moderator_schedules_for_the_community_and_members_see_it(new_context, asgi_server):
    community, _owner, moderator, member, _general = in_thread(community_with)
    start = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    end = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT11:00")
    for label, options in (("desktop", {}), ("phone", PHONE)):
        width = options.get("viewport", {}).get("width", 1280)
        mod_ctx = new_context(**options)
        log_in(mod_ctx, moderator, asgi_server)
        page = mod_ctx.new_page()
        page.goto(f"/communities/{community.slug}/")
        events = page.locator("section", has=page.get_by_role("heading", name="Upcoming events"))
        if label == "desktop":
            assert_accessible(page)
            screenshot_kept(page, f"community-events-empty-{label}")
            events.get_by_role("link", name="Schedule a workshop for this community").click()
        else:
            events.get_by_role("link", name="Schedule a workshop").click()
        expect(page.get_by_label("For a community")).to_have_value(str(community.pk))
        # "Listed for everyone" makes no sense for a members-only workshop: hidden, and it
        # comes back only for a site-wide one.
        listed = page.get_by_label("Listed for everyone")
        expect(listed).to_be_hidden()
        if label == "desktop":
            page.get_by_label("For a community").select_option("")
            expect(listed).to_be_visible()
            page.get_by_label("For a community").select_option(str(community.pk))
            expect(listed).to_be_hidden()
        page.get_by_label("Title").fill(f"Crit night ({label})")
        page.get_by_label("Starts (your time)").fill(start)
        page.get_by_label("Ends (your time)").fill(end)
        assert_accessible(page)
        assert_fits(page, width)
        screenshot_kept(page, f"community-events-form-{label}")
        page.get_by_role("button", name="Schedule").click()
        expect(page.get_by_role("heading", name=f"Crit night ({label})")).to_be_visible()
        problems_of(mod_ctx).assert_none()

        member_ctx = new_context(**options)
        log_in(member_ctx, member, asgi_server)
        reader = member_ctx.new_page()
        reader.goto(f"/communities/{community.slug}/")
        events = reader.locator(
            "section", has=reader.get_by_role("heading", name="Upcoming events")
        )
        expect(events.get_by_role("link", name=f"Crit night ({label})")).to_be_visible()
        expect(events).to_contain_text("20 places left")
        assert_accessible(reader)
        assert_fits(reader, width)
        screenshot_kept(reader, f"community-events-{label}")
        events.get_by_role("link", name=f"Crit night ({label})").click()
        expect(reader.get_by_role("heading", name=f"Crit night ({label})")).to_be_visible()
        problems_of(member_ctx).assert_none()

"""A member reading a channel is banned meanwhile: the open page stops following the channel,
says so, and disables its forms (the socket used to keep delivering every post)."""

from __future__ import annotations

from playwright.sync_api import expect

from mentorloom.communities import services
from tests.browser.helpers import (
    assert_accessible,
    assert_fits,
    in_thread,
    log_in,
    problems_of,
    screenshot_kept,
)
from tests.communities.helpers import community_with, post


def test_a_ban_while_the_channel_is_open_says_so_and_stops_live_posts(new_context, asgi_server):
    community, owner, _moderator, member, general = in_thread(community_with)
    in_thread(post, owner, general, "Welcome, everyone")
    context = new_context(viewport={"width": 390, "height": 844})
    log_in(context, member, asgi_server)
    page = context.new_page()
    page.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(page.locator("[data-channel]")).to_have_attribute("data-live", "connected")

    target = in_thread(lambda: community.memberships.get(user=member))
    in_thread(services.ban_member, owner, target, minutes=60, reason="Spam")

    alert = page.get_by_role("alert").filter(has_text="You can no longer read or post")
    expect(alert).to_be_visible()
    expect(page.get_by_label("Post in #general")).to_be_disabled()
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    # A post after the ban does not reach the open page.
    in_thread(post, owner, general, "Only for members")
    page.wait_for_timeout(1000)
    expect(page.get_by_text("Only for members")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page, 390)
    screenshot_kept(page, "community-banned-live-phone")
    problems_of(context).assert_none()

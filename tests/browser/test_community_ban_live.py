"""A member reading a channel is banned meanwhile: the open page stops following the channel,
says so, and disables its forms (the socket used to keep delivering every post)."""

from __future__ import annotations

import re

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


def test_a_ban_before_the_page_follows_the_channel_still_says_so(new_context, asgi_server):
    """The ban commits while the open page's socket is connecting: its subscribe is refused
    (not found, as for an outsider) rather than revoked later. The page says it can no longer
    follow the channel and disables its forms instead of silently showing no new posts."""
    community, owner, _moderator, member, general = in_thread(community_with)
    context = new_context()
    log_in(context, member, asgi_server)
    page = context.new_page()
    held: list[str] = []
    servers: list = []

    def holding_the_subscribe(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()
        servers.append(server)

        def from_page(message) -> None:  # type: ignore[no-untyped-def]
            if '"subscribe"' in message and not held:
                held.append(message)
                return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r"/ws/chat/$"), holding_the_subscribe)
    page.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(page.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    empty = page.get_by_text("No posts yet. Start the conversation.")
    expect(empty).to_be_visible()
    for _ in range(100):  # the route's handler runs while this thread waits on the page
        if held:
            break
        page.wait_for_timeout(100)
    assert held
    target = in_thread(lambda: community.memberships.get(user=member))
    in_thread(services.ban_member, owner, target, minutes=60, reason="Spam")
    servers[0].send(held[0])  # the subscribe reaches the server after the ban

    alert = page.get_by_role("alert").filter(has_text="You can no longer read or post")
    expect(alert).to_contain_text("reload the page to see why")
    # "Start the conversation" is not offered to someone who can no longer post.
    expect(empty).to_have_count(0)
    screenshot_kept(page, "community-subscribe-refused")
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    in_thread(post, owner, general, "Only for members")
    page.wait_for_timeout(1000)
    expect(page.get_by_text("Only for members")).to_have_count(0)
    problems_of(context).assert_none()

"""Two members of a community in two browsers: join, post, see the reply live, react, and the
unread badge clears; axe on the community pages at desktop and phone widths."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from mentorloom.communities import services
from mentorloom.communities.models import Channel
from mentorloom.messaging.models import Message
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.communities.helpers import community_with, person, post


def test_join_post_live_reply_react_and_unread_badge_clears(new_context, asgi_server):
    community, owner, _moderator, _member, general = in_thread(
        community_with, description="Critique circle for product designers", rules="**Be kind**"
    )
    newcomer = in_thread(person, "Nia Newcomer", "America/New_York")
    in_thread(post, owner, general, "Welcome! Introduce yourself here.")

    owner_ctx = new_context()
    log_in(owner_ctx, owner, asgi_server)
    owner_page = owner_ctx.new_page()
    new_ctx = new_context()
    log_in(new_ctx, newcomer, asgi_server)
    page = new_ctx.new_page()

    page.goto("/communities/")
    # The cards are a list without bullets beside them.
    expect(page.locator(".community-list > li").first).to_have_css("list-style-type", "none")
    assert_accessible(page)
    page.get_by_role("link", name="Design crit").click()
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Join community").click()
    expect(page.get_by_text("Welcome to Design crit!")).to_be_visible()
    badge = page.locator(f"[data-unread-channel='{general.pk}']")
    expect(badge).to_contain_text("1")
    assert_accessible(page)

    owner_page.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(owner_page.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    page.get_by_role("link", name="#general").first.click()
    expect(page.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    expect(page.get_by_role("link", name="Jump to first unread")).to_be_visible()

    # The newcomer posts; the owner sees it live, and answers live.
    page.get_by_label("Post in #general").fill("Hi, I am **Nia** from New York")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(owner_page.locator(".community-post").last).to_contain_text("Hi, I am Nia from New York")
    expect(page.get_by_label("Post in #general")).to_have_value("")
    owner_page.get_by_label("Post in #general").fill("Welcome Nia! Share a project when ready.")
    owner_page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".community-post").last).to_contain_text("Welcome Nia!")
    expect(page.locator(".community-post")).to_have_count(3)
    assert_accessible(page)

    # A thread reply (form, works without JS) shows up on the other page as a reply count.
    nia_post = page.locator(".community-post", has_text="Hi, I am Nia")
    owner_page.reload()
    owner_nia = owner_page.locator(".community-post", has_text="Hi, I am Nia")
    owner_nia.get_by_role("link", name="0 replies").click()
    owner_page.get_by_label("Reply in thread").fill("Great to have you")
    owner_page.get_by_role("button", name="Reply", exact=True).click()
    expect(nia_post.get_by_role("link", name="1 reply")).to_be_visible()

    # React: the button shows it is pressed, with a count.
    nia_post.get_by_role("button", name="Celebrate").click()
    pressed = page.locator(".community-post", has_text="Hi, I am Nia").get_by_role(
        "button", name="Celebrate"
    )
    expect(pressed).to_have_attribute("aria-pressed", "true")
    expect(pressed).to_contain_text("1")

    # Back on the community page, #general has no unread badge any more.
    page.goto(f"/communities/{community.slug}/")
    expect(page.locator(f"[data-unread-channel='{general.pk}']")).to_be_hidden()
    assert Channel.objects.filter(pk=general.pk).exists()
    screenshot(page, "community-desktop")
    screenshot(owner_page, "community-channel-owner")
    problems_of(owner_ctx).assert_none()
    problems_of(new_ctx).assert_none()


def test_community_pages_at_phone_width(new_context, asgi_server):
    community, owner, moderator, _member, general = in_thread(community_with)
    in_thread(post, owner, general, "A post to read on a phone")
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(context, moderator, asgi_server)
    page = context.new_page()
    for url in (
        "/communities/",
        f"/communities/{community.slug}/",
        f"/communities/{community.slug}/c/{general.pk}/",
        f"/communities/{community.slug}/manage/",
    ):
        page.goto(url)
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways ({width}px)"
    screenshot(page, "community-channel-phone")
    problems_of(context).assert_none()


def test_badge_moves_live_and_clears_on_read_and_posts_edit_delete_and_attach_live(
    new_context, asgi_server, tmp_path: Path
):
    community, owner, _moderator, member, general = in_thread(community_with)
    jobs = in_thread(services.create_channel, owner, community, name="jobs")
    owner_ctx = new_context()
    log_in(owner_ctx, owner, asgi_server)
    a = owner_ctx.new_page()
    member_ctx = new_context()
    log_in(member_ctx, member, asgi_server)
    b = member_ctx.new_page()

    # B has the community page open; A posts in #general from the channel page.
    b.goto(f"/communities/{community.slug}/")
    badges = b.locator("[data-community-live]")
    expect(badges).to_have_attribute("data-badges-live", "connected")
    badge = b.locator(f"[data-unread-channel='{general.pk}']")
    expect(badge).to_be_hidden()
    a.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(a.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    a.get_by_label("Post in #general").fill("Portfolio review at 5?")
    a.get_by_role("button", name="Post", exact=True).click()
    expect(badge).to_contain_text("1")
    a.get_by_label("Post in #general").fill("Bring one piece of work")
    a.get_by_role("button", name="Post", exact=True).click()
    expect(badge).to_contain_text("2")
    expect(b.locator(f"[data-unread-channel='{jobs.pk}']")).to_be_hidden()
    assert_accessible(b)

    # B opens #general in another tab: the badge on the community page clears live.
    channel = member_ctx.new_page()
    channel.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(channel.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    expect(channel.get_by_role("link", name="Jump to first unread")).to_be_visible()
    expect(badge).to_be_hidden()

    # A edits the first post inline; B sees the new text live, marked edited.
    first = a.locator(".community-post", has_text="Portfolio review at 5?")
    first.get_by_role("link", name="Edit").click()
    a.get_by_label("Edit your post").fill("Portfolio review at **6**?")
    a.get_by_role("button", name="Save").click()
    b_first = channel.locator(".community-post").first
    expect(b_first.locator(".msg__body")).to_contain_text("Portfolio review at 6?")
    expect(b_first).to_contain_text("edited")
    # B cannot edit or delete A's post: no such buttons.
    expect(b_first.get_by_role("link", name="Edit")).to_have_count(0)

    # A deletes the second post: a second press confirms; B sees it go.
    second = a.locator(".community-post", has_text="Bring one piece of work")
    second.get_by_role("button", name="Delete").click()
    expect(second.get_by_role("button", name="Really delete?")).to_be_visible()
    assert in_thread(lambda: Message.objects.filter(deleted_at__isnull=False).count()) == 0
    second.get_by_role("button", name="Really delete?").click()
    expect(channel.locator(".community-post").nth(1)).to_contain_text("Post deleted")

    # A attaches an image; B sees the thumbnail live.
    picture = tmp_path / "moodboard.png"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 60)).save(out, format="PNG")
    picture.write_bytes(out.getvalue())
    a.get_by_label("Attach a file").set_input_files(str(picture))
    a.get_by_label("Post in #general").fill("My moodboard")
    a.get_by_role("button", name="Post", exact=True).click()
    expect(channel.get_by_role("img", name="Image: moodboard.png")).to_be_visible()
    expect(a.get_by_label("Attach a file")).to_have_value("")
    assert_accessible(channel)
    screenshot(channel, "community-channel-edit-attach-desktop")
    channel.set_viewport_size({"width": 390, "height": 844})
    width = channel.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the channel page scrolls sideways ({width}px)"
    screenshot(channel, "community-channel-edit-attach-phone")
    problems_of(owner_ctx).assert_none()
    problems_of(member_ctx).assert_none()

"""A reader unblocks someone while a channel is open (from their profile in another tab, say):
the posts the page was rendered without, and those passed over while the block lasted, come
in without a reload, in place, with the reader's half-typed post and position kept. A block
takes that person's posts off the open page again."""

from __future__ import annotations

from playwright.sync_api import expect

from mentorloom.safety.services import block_user, unblock_user
from tests.browser.helpers import in_thread, log_in, problems_of, screenshot_kept
from tests.communities.helpers import community_with, post


def test_unblocking_brings_their_posts_into_the_open_channel_page(new_context, asgi_server):
    community, owner, ben, ana, general = in_thread(community_with)
    early = in_thread(post, ben, general, "Ben before the block")
    for n in range(1, 9):
        in_thread(post, owner, general, f"Owner note {n}")
    in_thread(block_user, ana, ben.pk)
    meanwhile = in_thread(post, ben, general, "Ben while blocked")
    for n in range(9, 13):
        in_thread(post, owner, general, f"Owner note {n}")

    context = new_context(viewport={"width": 1280, "height": 700})
    log_in(context, ana, asgi_server)
    page = context.new_page()
    page.goto(f"/communities/{community.slug}/c/{general.pk}/")
    expect(page.locator("[data-channel]")).to_have_attribute("data-live", "connected")
    expect(page.get_by_text("Owner note 12")).to_be_visible()
    expect(page.get_by_text("Ben before the block")).to_have_count(0)
    composer = page.get_by_label("Post in #general")
    composer.fill("A half-typed thought about")
    composer.scroll_into_view_if_needed()
    top = composer.evaluate("el => el.getBoundingClientRect().top")

    in_thread(unblock_user, ana, ben.pk)

    posts = page.locator("[data-post-list] > article")
    expect(posts.filter(has_text="Ben while blocked")).to_have_count(1)
    expect(posts.filter(has_text="Ben before the block")).to_have_count(1)
    # In place: the page's posts stay in id order, Ben's first one above every other.
    ids = [int(i) for i in posts.evaluate_all("els => els.map((el) => el.dataset.postId)")]
    assert ids == sorted(ids) and len(ids) == 14
    assert ids[0] == early.pk and meanwhile.pk in ids
    # Nothing typed was lost, and the reader was not moved.
    expect(composer).to_have_value("A half-typed thought about")
    screenshot_kept(page, "community-unblocked-live")
    assert abs(composer.evaluate("el => el.getBoundingClientRect().top") - top) <= 2
    # From now on Ben's posts arrive live, once.
    in_thread(post, ben, general, "Ben after the unblock")
    expect(posts.filter(has_text="Ben after the unblock")).to_have_count(1)

    # Blocking again takes his posts off the open page; the composer keeps its text.
    in_thread(block_user, ana, ben.pk)
    expect(page.get_by_text("Ben while blocked")).to_have_count(0)
    expect(page.get_by_text("Ben after the unblock")).to_have_count(0)
    expect(page.get_by_text("Owner note 12")).to_be_visible()
    expect(composer).to_have_value("A half-typed thought about")
    problems_of(context).assert_none()

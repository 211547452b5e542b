"""A member replies in a thread with an image: it appears in the thread for another member
live; a wrong file is refused beside the file field with the reply text kept. A mentor edits
their story (an empty title is refused with the text kept), and an open channel page shows it
edited. axe on the pages, at desktop and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_accessible,
    assert_fits,
    in_thread,
    log_in,
    problems_of,
    screenshot_kept,
)
from tests.communities.helpers import community_with, person, post
from tests.messaging.test_attachments import image_bytes

SIZES = (
    ("desktop", {}),
    ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
)


def _mentor(name: str):  # type: ignore[no-untyped-def]
    user = person(name)
    user.profile.is_mentor = True
    user.profile.save(update_fields=["is_mentor"])
    return user


def _live(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("[data-channel]")).to_have_attribute("data-live", "connected")


def test_reply_with_an_image_arrives_live_and_a_wrong_file_keeps_the_text(new_context, asgi_server):
    community, owner, _moderator, member, general = in_thread(community_with)
    for label, options in SIZES:
        width = options.get("viewport", {}).get("width", 1280)
        root = in_thread(post, owner, general, f"Share your moodboards ({label})")
        thread_url = f"/communities/{community.slug}/c/{general.pk}/?thread={root.pk}"
        reader_ctx = new_context(**options)
        log_in(reader_ctx, owner, asgi_server)
        reader = reader_ctx.new_page()
        reader.goto(thread_url)
        _live(reader)
        writer_ctx = new_context(**options)
        log_in(writer_ctx, member, asgi_server)
        writer = writer_ctx.new_page()
        writer.goto(thread_url)
        _live(writer)

        thread = writer.locator(f'[data-thread="{root.pk}"]')
        # A wrong file: the reason beside the file field, the text still there.
        thread.get_by_label("Reply in thread").fill("My board, first try")
        thread.get_by_label("Attach a file to your reply").set_input_files(
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just text"}
        )
        thread.get_by_role("button", name="Reply", exact=True).click()
        expect(thread.locator("[data-reply-file-error]")).to_have_text(
            "Attach a JPEG, PNG or WebP image or a PDF."
        )
        expect(thread.get_by_label("Reply in thread")).to_have_value("My board, first try")
        assert_accessible(writer)
        assert_fits(writer, width)
        screenshot_kept(writer, f"community-reply-file-refused-{label}")

        # The right file: the reply with its image in the thread, here and for the owner live.
        thread.get_by_label("Attach a file to your reply").set_input_files(
            {"name": "board.png", "mimeType": "image/png", "buffer": image_bytes()}
        )
        thread.get_by_role("button", name="Reply", exact=True).click()
        expect(thread.get_by_role("img", name="Image: board.png")).to_be_visible()
        expect(thread.locator("[data-reply-file-error]")).to_be_hidden()
        expect(thread.get_by_label("Reply in thread")).to_have_value("")
        other = reader.locator(f'[data-thread="{root.pk}"]')
        expect(other.get_by_role("img", name="Image: board.png")).to_be_visible()
        expect(other.locator(".community-post", has_text="My board, first try")).to_be_visible()
        expect(reader.locator(f"#post-{root.pk} [data-thread-link]")).to_have_text("1 reply")
        assert_accessible(reader)
        assert_fits(reader, width)
        screenshot_kept(reader, f"community-reply-image-live-{label}")
        # The one expected refusal (422) is the only complaint of either browser.
        unexpected = [p for p in problems_of(writer_ctx).all() if "422" not in p]
        assert not unexpected, unexpected
        problems_of(reader_ctx).assert_none()


def test_author_edits_a_story_and_an_open_channel_shows_it_edited(new_context, asgi_server):
    from mentorloom.communities import services

    community, _owner, _moderator, member, general = in_thread(community_with)
    author = in_thread(_mentor, "Rosa Storyteller")
    in_thread(services.join_community, author, community)
    for label, options in SIZES:
        width = options.get("viewport", {}).get("width", 1280)
        story, _ = in_thread(
            services.publish_story,
            author,
            general,
            title=f"My frist launch ({label})",
            body="I shipped late.",
        )
        reader_ctx = new_context(**options)
        log_in(reader_ctx, member, asgi_server)
        reader = reader_ctx.new_page()
        reader.goto(f"/communities/{community.slug}/c/{general.pk}/")
        _live(reader)

        writer_ctx = new_context(**options)
        log_in(writer_ctx, author, asgi_server)
        page = writer_ctx.new_page()
        page.goto(f"/communities/{community.slug}/c/{general.pk}/")
        card = page.locator(f"#post-{story.message_id}")
        card.get_by_role("link", name="Edit story").click()
        expect(page.get_by_role("heading", name="Edit your story")).to_be_visible()
        expect(page.get_by_label("Title")).to_have_value(f"My frist launch ({label})")
        # An empty title is refused beside the field; the new text stays in its box.
        page.get_by_label("Title").fill("")
        page.get_by_label("Your story").fill("I shipped **late** and learned to cut scope.")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#story-title-error")).to_have_text("This field is required.")
        expect(page.get_by_label("Your story")).to_have_value(
            "I shipped **late** and learned to cut scope."
        )
        assert_accessible(page)
        assert_fits(page, width)
        screenshot_kept(page, f"story-edit-refused-{label}")
        page.get_by_label("Title").fill(f"My first launch ({label})")
        page.get_by_role("button", name="Save changes").click()
        card = page.locator(f"#post-{story.message_id}")
        expect(card).to_contain_text(f"My first launch ({label})")
        expect(card.locator("[data-edited]")).to_have_text("edited")
        assert_accessible(page)
        assert_fits(page, width)
        screenshot_kept(page, f"story-edited-{label}")
        # The member's open channel page changed without a reload.
        theirs = reader.locator(f"#post-{story.message_id}")
        expect(theirs.locator("strong", has_text="late")).to_be_visible()
        expect(theirs).to_contain_text(f"My first launch ({label})")
        expect(theirs.locator("[data-edited]")).to_be_visible()
        expect(theirs.get_by_role("link", name="Edit story")).to_have_count(0)
        unexpected = [p for p in problems_of(writer_ctx).all() if "422" not in p]
        assert not unexpected, unexpected
        problems_of(reader_ctx).assert_none()

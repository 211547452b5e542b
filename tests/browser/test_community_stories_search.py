"""A mentor writes a story (preview, publish), a member finds it by searching with another
form of a word and jumps into its thread; the mentor's profile lists it. axe on the story form,
the search results and the profile, at desktop and phone widths."""

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


def _mentor(name: str):  # type: ignore[no-untyped-def]
    user = person(name)
    user.profile.is_mentor = True
    user.profile.save(update_fields=["is_mentor"])
    return user


def test_story_published_found_by_search_and_listed_on_the_profile(new_context, asgi_server):
    from mentorloom.communities import services

    community, owner, _moderator, member, general = in_thread(community_with)
    author = in_thread(_mentor, "Rosa Storyteller")
    in_thread(services.join_community, author, community)
    in_thread(post, owner, general, "Welcome! Say hello.")

    for label, options in (
        ("desktop", {}),
        (
            "phone",
            {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
        ),
    ):
        width = options.get("viewport", {}).get("width", 1280)
        writer_ctx = new_context(**options)
        log_in(writer_ctx, author, asgi_server)
        page = writer_ctx.new_page()
        page.goto(f"/communities/{community.slug}/")
        page.get_by_role("link", name="Write a story").click()
        expect(page.get_by_role("heading", name="Write a story")).to_be_visible()
        title = f"Designing my first portfolio ({label})"
        page.get_by_label("Title").fill(title)
        page.get_by_label("Your story").fill(
            "I **designed** twelve screens and no story.\n\n"
            "- Cut to three case studies\n- Lead with the problem"
        )
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("section", has=page.get_by_role("heading", name="Preview"))
        expect(preview.locator("strong", has_text="designed")).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)
        screenshot_kept(page, f"story-form-{label}")
        page.get_by_role("button", name="Publish story").click()
        # The story opens as its thread in #general, as a story card.
        card = page.locator(".community-post--story", has_text=title)
        expect(card).to_be_visible()
        expect(card.locator(".badge--story")).to_have_text("Story")
        expect(page.get_by_label("Reply in thread")).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)
        screenshot_kept(page, f"story-thread-{label}")
        problems_of(writer_ctx).assert_none()

        # A member searches with another form of the word and jumps to the story's thread.
        reader_ctx = new_context(**options)
        log_in(reader_ctx, member, asgi_server)
        reader = reader_ctx.new_page()
        reader.goto(f"/communities/{community.slug}/")
        expect(reader.get_by_role("heading", name="Stories")).to_be_visible()
        reader.get_by_label("Search posts").fill(f"design portfolio {label}")
        reader.get_by_role("button", name="Search").click()
        hits = reader.locator("[data-search-hits] li")
        expect(hits).to_have_count(1)
        expect(hits.locator("mark").first).to_be_visible()
        assert_accessible(reader)
        assert_fits(reader, width)
        screenshot_kept(reader, f"community-search-{label}")
        hits.get_by_role("link", name=title).click()
        expect(reader.locator(".community-post--story", has_text=title)).to_be_in_viewport()
        expect(reader.get_by_label("Reply in thread")).to_be_visible()

        # The mentor's profile lists the story.
        reader.goto(f"/people/{author.pk}/")
        stories = reader.locator("section", has=reader.get_by_role("heading", name="Stories"))
        expect(stories.get_by_role("link", name=title)).to_be_visible()
        assert_accessible(reader)
        assert_fits(reader, width)
        screenshot_kept(reader, f"profile-stories-{label}")
        problems_of(reader_ctx).assert_none()

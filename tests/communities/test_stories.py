"""Stories: a mentor's longer post in a community (a channel's root post with a title, its
thread the discussion), listed on the mentor's profile only where the viewer may see it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from mentorloom.audit.models import AuditEvent
from mentorloom.communities import selectors, services
from mentorloom.communities.errors import NotAMentor, NotTheAuthor
from mentorloom.communities.models import MAX_STORY_CHARS, Channel, Community, Story
from mentorloom.core.errors import InvalidInput
from mentorloom.messaging.models import Message
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for

BASE = "/api/v1/communities"


def mentor(name: str = "Maya Mentor"):  # type: ignore[no-untyped-def]
    user = person(name)
    user.profile.is_mentor = True
    user.profile.save(update_fields=["is_mentor"])
    return user


def joined(user, community):  # type: ignore[no-untyped-def]
    services.join_community(user, community)
    return user


def publish(user, community, title="My first failure", body="I shipped late.", **kw):  # type: ignore[no-untyped-def]
    channel = kw.pop("channel", None) or Channel.objects.get(community=community, name="general")
    story, _ = services.publish_story(user, channel, title=title, body=body, **kw)
    return story


def _error(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


# --- publishing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mentor_publishes_a_story_that_is_a_post_with_a_thread():
    community, _owner, _moderator, member, general = community_with()
    author = joined(mentor(), community)
    client = client_for(author)
    body = {
        "title": "What my first launch taught me",
        "body": "Ship *small*.",
        "client_id": str(uuid.uuid4()),
    }
    first = client.post(f"{BASE}/{community.slug}/stories", body, content_type="application/json")
    assert first.status_code == 201, first.content
    story = first.json()
    assert story["title"] == "What my first launch taught me"
    assert story["body"] == "Ship *small*."
    assert "<em>small</em>" in story["html"] and "<strong>What my first launch" in story["html"]
    assert story["channel"] == "general" and story["author"]["id"] == author.pk
    # The story is a root post of #general; replies there are its discussion.
    message = Message.objects.get(pk=story["post_id"])
    assert message.conversation_id == general.conversation_id and message.parent_id is None
    post(member, general, "Thanks for sharing", parent_id=message.pk)
    listed = client_for(member).get(f"{BASE}/{community.slug}/stories").json()
    assert [s["id"] for s in listed] == [story["id"]] and listed[0]["reply_count"] == 1
    assert listed[0]["url"].endswith(f"?thread={message.pk}#post-{message.pk}")
    # A retry with the same client id is the same story.
    again = client.post(f"{BASE}/{community.slug}/stories", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == story["id"]
    assert Story.objects.count() == 1


@pytest.mark.django_db
def test_who_may_publish():
    community, _owner, _moderator, member, general = community_with()
    # A member who does not mentor: 403, nothing stored.
    response = client_for(member).post(
        f"{BASE}/{community.slug}/stories",
        {"title": "T", "body": "B"},
        content_type="application/json",
    )
    assert response.status_code == 403 and _error(response) == "not_a_mentor"
    with pytest.raises(NotAMentor):
        services.publish_story(member, general, title="T", body="B")
    # A mentor who is not a member: 404 (the channel is invisible to them).
    outsider = mentor("Otto Outsider")
    response = client_for(outsider).post(
        f"{BASE}/{community.slug}/stories",
        {"title": "T", "body": "B", "channel_id": general.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    # A member mentor naming another community's channel: 404.
    author = joined(mentor(), community)
    other = services.create_community(person("Oz Other"), name="Elsewhere", slug="elsewhere")
    foreign = Channel.objects.get(community=other, name="general")
    response = client_for(author).post(
        f"{BASE}/{community.slug}/stories",
        {"title": "T", "body": "B", "channel_id": foreign.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Story.objects.exists()
    assert not Message.objects.filter(conversation_id=general.conversation_id).exists()


@pytest.mark.django_db
def test_over_long_or_missing_fields_are_422_and_nothing_is_stored():
    community, *_rest = community_with()
    author = joined(mentor(), community)
    client = client_for(author)
    url = f"{BASE}/{community.slug}/stories"
    for payload, field in [
        ({"title": "x" * 121, "body": "fine"}, "title"),
        ({"title": "Fine", "body": "x" * (MAX_STORY_CHARS + 1)}, "body"),
        ({"title": "", "body": "fine"}, "title"),
        ({"title": "Fine", "body": "   "}, "body"),
        ({"title": ["not", "text"], "body": "fine"}, "title"),
    ]:
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 422, payload
        assert field in response.json()["error"]["fields"]
    assert (
        client.post(
            url, {"title": "T", "body": "B", "channel_id": 2**70}, content_type="application/json"
        ).status_code
        == 422
    )
    assert not Story.objects.exists() and not Message.objects.filter(sender=author).exists()
    with pytest.raises(InvalidInput):
        publish(author, community, title="x" * 121)


@pytest.mark.django_db
def test_story_text_is_sanitised():
    community, _owner, _moderator, member, general = community_with()
    author = joined(mentor(), community)
    story = publish(
        author,
        community,
        title="<img src=x onerror=alert(1)> *not* a tag",
        body="<script>alert(1)</script>\n\n[click](javascript:alert(2)) and <b onclick=x>hi</b>",
    )
    html = client_for(member).get(f"{BASE}/{community.slug}/stories").json()[0]["html"]
    for bad in ("<script", 'href="javascript', "<img", "<b "):
        assert bad not in html
    assert "&lt;img src=x onerror=alert(1)&gt; *not* a tag" in html  # the title stays plain text
    assert story.title == "<img src=x onerror=alert(1)> *not* a tag"
    page = client_for(member).get(
        reverse("communities:channel", args=[community.slug, general.pk]),
        {"thread": story.message_id},
    )
    assert b"<script>alert(1)" not in page.content and b'href="javascript' not in page.content
    assert b"Story</span>" in page.content
    detail = client_for(member).get(reverse("communities:detail", args=[community.slug]))
    assert b"<img src=x" not in detail.content
    assert b"&lt;img src=x onerror=alert(1)&gt; *not* a tag" in detail.content


# --- deleting ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_author_or_a_moderator_takes_a_story_down_with_an_audit_trail():
    community, _owner, moderator, member, general = community_with()
    author = joined(mentor(), community)
    first = publish(author, community, title="One")
    second = publish(author, community, title="Two")
    base = f"{BASE}/{community.slug}/stories"
    # Another member may not; a moderator must give a reason.
    refused = client_for(member).post(
        f"{base}/{first.pk}/delete", {}, content_type="application/json"
    )
    assert refused.status_code == 403
    no_reason = client_for(moderator).post(
        f"{base}/{first.pk}/delete", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    # The author, at any time (no 15-minute window for one's own story).
    Message.objects.filter(pk=first.message_id).update(
        created_at=first.created_at.replace(year=2020)
    )
    done = client_for(author).post(f"{base}/{first.pk}/delete", {}, content_type="application/json")
    assert done.status_code == 204
    event = AuditEvent.objects.get(kind="community.story_deleted")
    assert event.actor == author and event.data["story_id"] == first.pk
    # A moderator with a reason, logged as a post deletion.
    services.delete_post(moderator, general, second.message, reason="Off-topic")
    event = AuditEvent.objects.get(kind="community.post_deleted")
    assert event.actor == moderator and event.data["reason"] == "Off-topic"
    assert event.data["story_id"] == second.pk
    assert client_for(member).get(base).json() == []
    assert selectors.stories_visible_to(member, author.pk) == []
    # Another community's story through this community's URL: 404.
    other = services.create_community(author, name="Other place", slug="other-place")
    theirs = publish(author, other, title="Elsewhere")
    response = client_for(moderator).post(
        f"{base}/{theirs.pk}/delete", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404


# --- where stories are seen ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_profile_lists_only_stories_the_viewer_may_see():
    open_community, *_rest = community_with(name="Open circle")
    private, private_owner, *_others = community_with(name="Private circle", visibility="approval")
    secret, secret_owner, *_more = community_with(name="Secret circle", visibility="invite")
    author = mentor("Sam Storyteller")
    services.join_community(author, open_community)
    services.accept_invite(author, services.create_invite(private_owner, private).token)
    services.accept_invite(author, services.create_invite(secret_owner, secret).token)
    publish(author, open_community, title="Open lesson")
    publish(author, private, title="Private lesson")
    publish(author, secret, title="Secret lesson")
    url = reverse("profiles:public", args=[author.pk])

    outsider = person("Out Sider")
    page = client_for(outsider).get(url)
    assert page.status_code == 200
    assert b"Open lesson" in page.content
    assert b"Private lesson" not in page.content and b"Secret lesson" not in page.content
    # Outsiders are sent to the community page to join, not into a thread they cannot open.
    assert reverse("communities:detail", args=[open_community.slug]).encode() in page.content

    insider = person("In Sider")
    services.accept_invite(insider, services.create_invite(private_owner, private).token)
    page = client_for(insider).get(url)
    assert b"Open lesson" in page.content and b"Private lesson" in page.content
    assert b"Secret lesson" not in page.content
    assert b"?thread=" in page.content

    # Banned from the private community: its story is gone again.
    services.ban_member(private_owner, private.memberships.get(user=insider), reason="spam")
    assert [s.title for s in selectors.stories_visible_to(insider, author.pk)] == ["Open lesson"]
    # Anonymous visitors (when the profile is public at all) see no stories.
    anonymous = Client().get(url)
    assert b"Open lesson" not in anonymous.content
    # The stories API of a private community is members-only; an open one is readable.
    assert client_for(outsider).get(f"{BASE}/{private.slug}/stories").status_code == 404
    titles = [
        s["title"] for s in client_for(outsider).get(f"{BASE}/{open_community.slug}/stories").json()
    ]
    assert titles == ["Open lesson"]
    # The author's own view follows the same rule (they are a member of all three).
    assert len(selectors.stories_visible_to(author, author.pk)) == 3
    assert Community.objects.count() == 3


@pytest.mark.django_db
def test_the_community_page_lists_stories_and_invites_mentors_to_write():
    community, _owner, _moderator, member, _general = community_with()
    author = joined(mentor(), community)
    publish(author, community, title="How I failed my first interview", body="Long text " * 50)
    url = reverse("communities:detail", args=[community.slug])
    page = client_for(member).get(url)
    assert b"How I failed my first interview" in page.content
    assert b"Write a story" not in page.content
    assert b"Write a story" in client_for(author).get(url).content
    # A non-member of an open community sees the titles, with an invitation to join.
    outsider = client_for(person("Out Sider")).get(url)
    assert b"How I failed my first interview" in outsider.content
    assert b"Join the community to read the stories" in outsider.content
    # An approval-only community shows its stories to nobody outside.
    community.visibility = "approval"
    community.save(update_fields=["visibility"])
    outsider = client_for(person("Out Sider Two")).get(url)
    assert b"How I failed my first interview" not in outsider.content


@pytest.mark.django_db
def test_the_story_form_previews_publishes_and_shows_errors():
    community, _owner, _moderator, member, general = community_with()
    author = joined(mentor(), community)
    url = reverse("communities:write_story", args=[community.slug])
    client = client_for(author)
    assert client.get(url).status_code == 200
    preview = client.post(url, {"title": "Lessons", "body": "**Bold** move", "action": "preview"})
    assert preview.status_code == 200 and b"<strong>Bold</strong> move" in preview.content
    assert not Story.objects.exists()
    empty = client.post(
        url, {"title": "", "body": "Body", "action": "publish", "channel_id": general.pk}
    )
    assert empty.status_code == 422 and b"This field is required." in empty.content
    assert b'aria-invalid="true"' in empty.content
    assert b">Body</textarea>" in empty.content  # what was typed is kept
    bad_channel = client.post(
        url, {"title": "T", "body": "B", "action": "publish", "channel_id": "999999"}
    )
    assert bad_channel.status_code == 422 and b"Pick one of this community" in bad_channel.content
    done = client.post(
        url, {"title": "Lessons", "body": "Text", "action": "publish", "channel_id": general.pk}
    )
    story = Story.objects.get()
    assert done.status_code == 302
    assert done["Location"].endswith(f"?thread={story.message_id}#post-{story.message_id}")
    # Not a mentor: the page explains, and publishing is refused.
    assert client_for(member).get(url).status_code == 403
    refused = client_for(member).post(url, {"title": "T", "body": "B", "action": "publish"})
    assert refused.status_code == 403 and Story.objects.count() == 1
    # Not a member: 404.
    assert client_for(mentor("Otto Outsider")).get(url).status_code == 404


# --- editing ------------------------------------------------------------------------------------


def _story_url(community, story) -> str:  # type: ignore[no-untyped-def]
    return f"{BASE}/{community.slug}/stories/{story.pk}"


@pytest.mark.django_db
def test_the_author_edits_title_and_text_through_the_api_and_it_shows_edited():
    community, _owner, _moderator, member, general = community_with()
    author = joined(mentor(), community)
    story = publish(author, community, title="My frist failure", body="I shipped late.")
    reply = post(member, general, "Thanks for sharing", parent_id=story.message_id)
    response = client_for(author).patch(
        _story_url(community, story),
        {"title": "My first failure", "body": "I shipped **late**."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    edited = response.json()
    assert edited["title"] == "My first failure" and edited["body"] == "I shipped **late**."
    assert "<strong>late</strong>" in edited["html"] and edited["edited_at"]
    story.refresh_from_db()
    story.message.refresh_from_db()
    assert story.title == "My first failure" and story.message.edited_at is not None
    # A PATCH with only a title keeps the text.
    only_title = client_for(author).patch(
        _story_url(community, story),
        {"title": "My first big failure"},
        content_type="application/json",
    )
    assert only_title.json()["body"] == "I shipped **late**."
    # Members see the new title, text and the edited marker; the discussion stays.
    page = client_for(member).get(
        reverse("communities:channel", args=[community.slug, general.pk]),
        {"thread": story.message_id},
    )
    assert b"My first big failure" in page.content and b"<strong>late</strong>" in page.content
    assert b"data-edited" in page.content and b"Thanks for sharing" in page.content
    assert Message.objects.get(pk=reply.pk).parent_id == story.message_id
    listed = client_for(member).get(f"{BASE}/{community.slug}/stories").json()
    assert listed[0]["title"] == "My first big failure" and listed[0]["edited_at"]
    # Long after the chat edit window: a story is its author's to edit at any time.
    Message.objects.filter(pk=story.message_id).update(
        created_at=story.message.created_at - timedelta(days=30)
    )
    later = client_for(author).patch(
        _story_url(community, story), {"body": "Ship small."}, content_type="application/json"
    )
    assert later.status_code == 200 and later.json()["body"] == "Ship small."


@pytest.mark.django_db
def test_nobody_but_the_author_edits_a_story_not_even_a_moderator():
    community, owner, moderator, member, _general = community_with()
    author = joined(mentor(), community)
    story = publish(author, community, title="Mine", body="My words.")
    other = services.create_community(person("Oz Other"), name="Elsewhere", slug="elsewhere")
    foreign_author = joined(mentor("Fay Foreign"), other)
    foreign = publish(foreign_author, other, title="Theirs", body="Their words.")
    edit = {"title": "Hijacked", "body": "Not yours."}
    for user in (member, moderator, owner, person("Out Sider")):
        client = client_for(user)
        api = client.patch(_story_url(community, story), edit, content_type="application/json")
        assert api.status_code == 404, user
        page = reverse("communities:edit_story", args=[community.slug, story.pk])
        assert client.get(page).status_code == 404
        assert client.post(page, edit).status_code == 404
    # Another community's story through this community's address: 404 even for its author.
    wrong = client_for(foreign_author).patch(
        _story_url(community, foreign), edit, content_type="application/json"
    )
    assert wrong.status_code == 404
    with pytest.raises(NotTheAuthor):
        services.edit_story(moderator, story, title="Hijacked")
    story.refresh_from_db()
    assert story.title == "Mine" and story.body == "My words." and story.message.edited_at is None
    # A moderator still deletes it (with a reason); then its author cannot edit it either.
    services.delete_story(moderator, story, reason="off topic")
    gone = client_for(author).patch(
        _story_url(community, story), edit, content_type="application/json"
    )
    assert gone.status_code == 404
    # The post's own 15-minute edit path does not bypass the title: it points to the story.
    fresh = publish(author, community, title="Fresh", body="New words.")
    channel = fresh.channel
    as_post = client_for(author).patch(
        f"{BASE}/{community.slug}/channels/{channel.pk}/posts/{fresh.message_id}",
        {"body": "Raw"},
        content_type="application/json",
    )
    assert as_post.status_code == 409 and _error(as_post) == "post_is_a_story"
    old_page = reverse("communities:edit_post", args=[community.slug, channel.pk, fresh.message_id])
    assert client_for(author).get(old_page)["Location"] == reverse(
        "communities:edit_story", args=[community.slug, fresh.pk]
    )


@pytest.mark.django_db
def test_bad_edits_are_refused_with_field_errors_and_nothing_changes():
    community, *_rest = community_with()
    author = joined(mentor(), community)
    story = publish(author, community, title="Kept title", body="Kept text.")
    client = client_for(author)
    cases = [
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * (MAX_STORY_CHARS + 1)}, "body"),
        ({"title": 7}, "title"),
    ]
    for payload, field in cases:
        response = client.patch(
            _story_url(community, story), payload, content_type="application/json"
        )
        assert response.status_code == 422, payload
        assert field in response.json()["error"]["fields"], payload
    # Both wrong at once: both named.
    both = client.patch(
        _story_url(community, story), {"title": "", "body": ""}, content_type="application/json"
    )
    assert set(both.json()["error"]["fields"]) == {"title", "body"}
    story.refresh_from_db()
    story.message.refresh_from_db()
    assert story.title == "Kept title" and story.body == "Kept text."
    assert story.message.edited_at is None


@pytest.mark.django_db
def test_the_edit_page_saves_previews_and_keeps_refused_text():
    community, *_rest, general = community_with()
    author = joined(mentor(), community)
    story = publish(author, community, title="Kept title", body="Kept text.")
    client = client_for(author)
    # The channel offers its author "Edit story", any time (not the post's 15-minute edit).
    channel_page = client.get(reverse("communities:channel", args=[community.slug, general.pk]))
    url = reverse("communities:edit_story", args=[community.slug, story.pk])
    assert url.encode() in channel_page.content and b"data-post-edit" not in channel_page.content
    form = client.get(url)
    assert form.status_code == 200
    assert b'value="Kept title"' in form.content and b">Kept text.</textarea>" in form.content
    assert b'id="story-channel"' not in form.content  # the channel is not changed here
    long_title = "y" * 121
    refused = client.post(url, {"title": long_title, "body": "My much better text."})
    assert refused.status_code == 422
    assert b'id="story-title-error">At most 120 characters.' in refused.content
    assert long_title.encode() in refused.content and b"My much better text." in refused.content
    preview = client.post(url, {"title": "New", "body": "*Better*", "action": "preview"})
    assert b"<em>Better</em>" in preview.content
    story.refresh_from_db()
    assert story.title == "Kept title"
    saved = client.post(url, {"title": "New title", "body": "*Better*", "action": "save"})
    assert saved.status_code == 302
    assert saved["Location"].endswith(f"?thread={story.message_id}#post-{story.message_id}")
    story.refresh_from_db()
    assert story.title == "New title" and story.body == "*Better*"

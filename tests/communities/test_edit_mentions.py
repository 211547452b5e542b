"""Editing a post or a story notifies the people newly @mentioned: exactly those the post never
mentioned before (once per post, across any number of edits), through the same rules as a new
post (mutes, quiet hours and e-mail when offline, refusal of people who cannot see the
channel)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mentorloom.communities import services
from mentorloom.communities.errors import CannotMention
from mentorloom.communities.models import Channel, PostMention
from mentorloom.messaging.models import Message
from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for

pytestmark = pytest.mark.django_db

NOON = "2026-03-04 12:00:00+01:00"  # daytime in Berlin, every test person's zone


def mentions_of(user) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(user=user, kind="community_mention").order_by("id"))


def mentor_in(community, name: str = "Maya Mentor"):  # type: ignore[no-untyped-def]
    user = person(name)
    user.profile.is_mentor = True
    user.profile.save(update_fields=["is_mentor"])
    services.join_community(user, community)
    return user


@pytest.fixture
def crit(time_machine):  # type: ignore[no-untyped-def]
    """(community, owner, moderator, member, general, a fourth member "Finn Fourth")."""
    time_machine.move_to(NOON)
    community, owner, moderator, member, general = community_with()
    fourth = person("Finn Fourth")
    services.join_community(fourth, community)
    return community, owner, moderator, member, general, fourth


def test_an_edit_notifies_only_the_newly_mentioned_and_nobody_twice_across_edits(
    crit, mailoutbox, django_capture_on_commit_callbacks
):
    _community, owner, moderator, member, general, fourth = crit
    with django_capture_on_commit_callbacks(execute=True):
        message = post(owner, general, "Thoughts, @miamember?")
    assert len(mentions_of(member)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, message, "Thoughts, @miamember and @moderator?")
    assert len(mentions_of(member)) == 1  # mentioned before: not again
    [note] = mentions_of(moderator)
    assert note.title == "Olga Owner mentioned you in #general"
    assert note.body == "Thoughts, @miamember and @moderator?"
    assert note.url == f"/communities/{general.community.slug}/c/{general.pk}/#post-{message.pk}"
    # Offline and daytime in Berlin: e-mailed too, as for a new post.
    assert moderator.email in [m.to[0] for m in mailoutbox]

    # Mia dropped, then added back with Finn: only Finn hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, message, "Thoughts, @moderator?")
        services.edit_post(owner, general, message, "@miamember @moderator @finnfourth ?")
        services.edit_post(owner, general, message, "@miamember @moderator @finnfourth !")
    assert [len(mentions_of(p)) for p in (member, moderator, fourth)] == [1, 1, 1]
    assert set(PostMention.objects.filter(message=message).values_list("user_id", flat=True)) == {
        member.pk,
        moderator.pk,
        fourth.pk,
    }


def test_an_edited_reply_links_to_the_thread(crit, django_capture_on_commit_callbacks):
    community, owner, _moderator, member, general, _fourth = crit
    root = post(owner, general, "A thread")
    reply = post(owner, general, "first", parent_id=root.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, reply, "first, @miamember")
    [note] = mentions_of(member)
    assert (
        note.url
        == f"/communities/{community.slug}/c/{general.pk}/?thread={root.pk}#post-{reply.pk}"
    )


def test_two_edits_from_the_same_old_text_notify_a_new_mention_once(
    crit, django_capture_on_commit_callbacks
):
    """Two edits racing read the same old text; the (post, person) row decides who notifies."""
    _community, owner, _moderator, member, general, _fourth = crit
    message = post(owner, general, "Hello")
    stale = Message.objects.get(pk=message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, message, "Hello @miamember")
        services.edit_post(owner, general, stale, "Hello @miamember!")
    assert len(mentions_of(member)) == 1


def test_a_post_without_remembered_mentions_is_judged_by_its_previous_text(
    crit, django_capture_on_commit_callbacks
):
    """Posts stored before mentions were remembered (or whose after-commit step was lost) have
    no rows: who the previous text mentions counts as mentioned."""
    _community, owner, moderator, member, general, _fourth = crit
    with django_capture_on_commit_callbacks(execute=True):
        message = post(owner, general, "Hi @miamember")
    PostMention.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, message, "Hi @miamember and @moderator")
    assert len(mentions_of(member)) == 1
    assert len(mentions_of(moderator)) == 1


def test_an_edit_follows_a_new_posts_rules_for_mutes_and_quiet_hours(
    crit, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    community, owner, moderator, member, general, fourth = crit
    services.set_notifications_muted(member, community, True)
    services.set_channel_muted(moderator, general, True)
    time_machine.move_to("2026-03-04 23:30:00+01:00")  # night in Berlin
    message = post(owner, general, "Late thought")
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(
            owner, general, message, "Late thought @miamember @moderator @finnfourth"
        )
    assert mentions_of(member) == [] and mentions_of(moderator) == []
    assert len(mentions_of(fourth)) == 1
    assert mailoutbox == []  # at night: the notification, no e-mail


def test_an_edit_mentioning_someone_who_cannot_see_the_channel_changes_nothing(
    crit, django_capture_on_commit_callbacks
):
    _community, owner, _moderator, member, general, _fourth = crit
    person("Xena Outsider")
    message = post(owner, general, "Hello")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CannotMention) as exc:
        services.edit_post(owner, general, message, "Hello @miamember and @xenaoutsider")
    assert exc.value.message == "@xenaoutsider cannot be mentioned here."
    message.refresh_from_db()
    assert message.body == "Hello" and message.edited_at is None
    assert mentions_of(member) == [] and not PostMention.objects.exists()
    # Someone who blocked the author cannot be mentioned by an edit either.
    Block.objects.create(blocker=member, blocked=owner)
    with pytest.raises(CannotMention) as exc:
        services.edit_post(owner, general, message, "Hello @miamember")
    assert exc.value.message == "@miamember cannot be mentioned here."
    # Nothing was remembered for the refused edits: a valid one still notifies.
    Block.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(owner, general, message, "Hello @miamember")
    assert len(mentions_of(member)) == 1


def test_an_edit_through_the_api_and_the_page_notifies_the_newly_mentioned(
    crit, django_capture_on_commit_callbacks
):
    community, _owner, moderator, member, general, fourth = crit
    author = client_for(fourth)
    message = post(fourth, general, "Draft")
    api = f"/api/v1/communities/{community.slug}/channels/{general.pk}/posts/{message.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = author.patch(api, {"body": "Draft @miamember"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert len(mentions_of(member)) == 1

    page = reverse("communities:edit_post", args=[community.slug, general.pk, message.pk])
    with django_capture_on_commit_callbacks(execute=True):
        saved = author.post(page, {"body": "Draft @miamember @moderator"})
    assert saved.status_code == 302
    assert len(mentions_of(member)) == 1 and len(mentions_of(moderator)) == 1

    person("Xena Outsider")
    refused = author.patch(
        api, {"body": "Draft @moderator @xenaoutsider"}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "cannot_mention"
    assert refused.json()["error"]["fields"] == {
        "body": ["@xenaoutsider cannot be mentioned here."]
    }
    form = author.post(page, {"body": "Draft @xenaoutsider"})
    assert form.status_code == 422 and b"@xenaoutsider cannot be mentioned here." in form.content
    message.refresh_from_db()
    assert message.body == "Draft @miamember @moderator"


def test_a_story_edit_notifies_people_newly_mentioned_in_its_title_or_text(
    crit, mailoutbox, django_capture_on_commit_callbacks
):
    community, _owner, moderator, member, general, fourth = crit
    author = mentor_in(community)
    with django_capture_on_commit_callbacks(execute=True):
        story, _ = services.publish_story(
            author, general, title="My first failure", body="Thanks @miamember for the push."
        )
    assert len(mentions_of(member)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_story(author, story, body="Thanks @miamember and @moderator!")
    assert len(mentions_of(member)) == 1
    [note] = mentions_of(moderator)
    assert note.title == "Maya Mentor mentioned you in #general"
    assert note.url.endswith(f"#post-{story.message_id}")
    # The title is part of the post, as when it was published.
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_story(author, story, title="With @finnfourth", body="Thanks.")
        services.edit_story(author, story, body="Thanks @miamember @moderator @finnfourth!")
    assert [len(mentions_of(p)) for p in (member, moderator, fourth)] == [1, 1, 1]


def test_a_story_edit_through_the_api_and_the_page_notifies_and_refuses_outsiders(
    crit, django_capture_on_commit_callbacks
):
    community, _owner, moderator, member, _general, _fourth = crit
    author = mentor_in(community)
    story, _ = services.publish_story(
        author, Channel.objects.get(community=community, name="general"), title="T", body="B"
    )
    client = client_for(author)
    api = f"/api/v1/communities/{community.slug}/stories/{story.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(api, {"body": "B @miamember"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert len(mentions_of(member)) == 1
    page = reverse("communities:edit_story", args=[community.slug, story.pk])
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(page, {"title": "T", "body": "B @miamember @moderator"})
    assert saved.status_code == 302
    assert len(mentions_of(member)) == 1 and len(mentions_of(moderator)) == 1
    person("Xena Outsider")
    refused = client.patch(api, {"title": "Hi @xenaoutsider"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "cannot_mention"
    story.refresh_from_db()
    assert story.title == "T"

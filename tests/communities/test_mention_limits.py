"""One member cannot mail a whole community with @mentions: a post (or an edit of one) may
mention at most MAX_MENTIONS_PER_POST people, and a member may have at most MENTIONS_PER_WINDOW
people notified of their mentions in MENTIONS_WINDOW_SECONDS; both refusals are plain errors
on the service, the API and the channel page, and nothing is stored or sent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from mentorloom.communities import mentions, services
from mentorloom.communities.errors import CannotMention, TooManyMentions
from mentorloom.messaging.models import Message
from mentorloom.notifications.models import Notification
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for

pytestmark = pytest.mark.django_db

NOON = "2026-03-04 12:00:00+01:00"  # daytime in Berlin: an offline member gets an e-mail
CAP_MESSAGE = "You can mention at most 10 people in one post."


@pytest.fixture
def crowd(time_machine):  # type: ignore[no-untyped-def]
    """(community, author, general, handles of 40 more members)."""
    time_machine.move_to(NOON)
    community, _owner, _moderator, member, general = community_with()
    handles = []
    for i in range(40):
        services.join_community(person(f"Target Number{i:02d}"), community)
        handles.append(f"@targetnumber{i:02d}")
    return community, member, general, handles


def mention_notes() -> int:
    return Notification.objects.filter(kind="community_mention").count()


def test_one_post_cannot_mail_the_whole_community(
    crowd, mailoutbox, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    _community, member, general, handles = crowd
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(CannotMention) as exc:
            post(member, general, " ".join(handles))
        assert exc.value.message == CAP_MESSAGE
        assert exc.value.fields == {"body": [CAP_MESSAGE]}
    assert mention_notes() == 0 and mailoutbox == []
    assert not Message.objects.filter(conversation=general.conversation).exists()
    # Eleven is one too many (repeating a handle or mentioning yourself does not count) ...
    with pytest.raises(CannotMention):
        post(member, general, " ".join(handles[:11]))
    # ... ten are notified and mailed.
    with django_capture_on_commit_callbacks(execute=True):
        post(member, general, " ".join(handles[:10] + handles[:3] + ["@miamember"]))
    assert mention_notes() == 10 and len(mailoutbox) == 10


def test_an_edit_counts_every_person_its_text_mentions(crowd, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    _community, member, general, handles = crowd
    with django_capture_on_commit_callbacks(execute=True):
        message = post(member, general, " ".join(handles[:6]))
    # Five people new to the post, eleven in its text: refused, though only five are new.
    edited = " ".join(handles[:11])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CannotMention) as exc:
        services.edit_post(member, general, message, edited)
    assert exc.value.message == CAP_MESSAGE
    message.refresh_from_db()
    assert message.body == " ".join(handles[:6]) and message.edited_at is None
    assert mention_notes() == 6


def test_a_story_edit_is_capped_too(crowd):  # type: ignore[no-untyped-def]
    community, _member, general, handles = crowd
    author = person("Maya Mentor")
    author.profile.is_mentor = True
    author.profile.save(update_fields=["is_mentor"])
    services.join_community(author, community)
    story, _ = services.publish_story(author, general, title="Lessons", body="Thanks all.")
    with pytest.raises(CannotMention) as exc:
        services.edit_story(author, story, body="Thanks " + " ".join(handles[:11]))
    assert exc.value.message == CAP_MESSAGE
    story.message.refresh_from_db()
    assert "targetnumber" not in story.message.body


def test_people_notified_per_sender_are_limited_over_time(
    crowd, time_machine, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    _community, member, general, handles = crowd
    assert mentions.MENTIONS_PER_WINDOW == 30
    with django_capture_on_commit_callbacks(execute=True):
        for start in (0, 10, 20):
            post(member, general, " ".join(handles[start : start + 10]))
    assert mention_notes() == 30
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TooManyMentions):
        post(member, general, "and @targetnumber30")
    # An edit that would notify someone new is refused the same way and changes nothing.
    plain = post(member, general, "no mentions is still fine")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TooManyMentions):
        services.edit_post(member, general, plain, "now @targetnumber31")
    plain.refresh_from_db()
    assert plain.body == "no mentions is still fine"
    assert mention_notes() == 30
    # Once the window has passed, mentions work again.
    time_machine.move_to(NOON)
    time_machine.shift(timedelta(seconds=mentions.MENTIONS_WINDOW_SECONDS))
    with django_capture_on_commit_callbacks(execute=True):
        post(member, general, "and @targetnumber30")
    assert mention_notes() == 31


def test_the_api_and_the_channel_page_show_both_refusals(crowd):  # type: ignore[no-untyped-def]
    community, member, general, handles = crowd
    client = client_for(member)
    api = f"/api/v1/communities/{community.slug}/channels/{general.pk}/posts"
    page = reverse("communities:post", args=[community.slug, general.pk])
    too_many = " ".join(handles[:11])

    refused = client.post(
        api, {"client_id": str(uuid.uuid4()), "body": too_many}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "cannot_mention"
    assert refused.json()["error"]["message"] == CAP_MESSAGE
    form = client.post(page, {"client_id": str(uuid.uuid4()), "body": too_many})
    assert form.status_code == 422 and CAP_MESSAGE.encode() in form.content

    for start in (0, 10, 20):
        sent = client.post(
            api,
            {"client_id": str(uuid.uuid4()), "body": " ".join(handles[start : start + 10])},
            content_type="application/json",
        )
        assert sent.status_code == 201
    limited = client.post(
        api,
        {"client_id": str(uuid.uuid4()), "body": "hi @targetnumber30"},
        content_type="application/json",
    )
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "too_many_mentions"
    form = client.post(page, {"client_id": str(uuid.uuid4()), "body": "hi @targetnumber30"})
    assert form.status_code == 429
    assert b"Wait a little before mentioning more." in form.content


def test_a_retried_post_spends_its_mentions_once(crowd, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    _community, member, general, handles = crowd
    client_id = str(uuid.uuid4())
    body = " ".join(handles[:10])
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.post_in_channel(member, general, client_id=client_id, body=body)
    assert created
    # The same send again (a lost answer, a double click): answered with the stored post, and
    # its ten mentions count once. Counted twice, the third retry would be refused already.
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            again, created = services.post_in_channel(
                member, general, client_id=client_id, body=body
            )
        assert (again.pk, created) == (first.pk, False)
    assert mention_notes() == 10
    with django_capture_on_commit_callbacks(execute=True):
        for start in (10, 20):  # 20 more: 30 in the window
            post(member, general, " ".join(handles[start : start + 10]))
    assert mention_notes() == 30

"""Emoji reactions: a fixed set, idempotent, shown live to the other side."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.messaging import services
from mentorloom.messaging.errors import (
    BlockedConversation,
    ConversationClosed,
    MessageDeleted,
    UnknownReaction,
)
from mentorloom.messaging.models import Reaction
from mentorloom.safety.models import Block
from tests.factories import UserFactory, client_for
from tests.messaging.helpers import mentorship_conversation
from tests.messaging.sockets import chat_socket, cookie_for, subscribe, until

BASE = "/api/v1/conversations"


def _setup():  # type: ignore[no-untyped-def]
    convo = mentorship_conversation()
    message, _ = services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "Great news")
    return convo, message


@pytest.mark.django_db
def test_adding_the_same_reaction_twice_keeps_one_and_removing_is_idempotent():
    convo, message = _setup()
    mentee = convo.mentorship.mentee
    services.set_reaction(mentee, message, "tada")
    services.set_reaction(mentee, message, "tada")
    assert Reaction.objects.filter(message=message).count() == 1
    services.set_reaction(mentee, message, "tada", active=False)
    services.set_reaction(mentee, message, "tada", active=False)
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_only_the_fixed_set_is_accepted():
    convo, message = _setup()
    with pytest.raises(UnknownReaction):
        services.set_reaction(convo.mentorship.mentee, message, "💩")


@pytest.mark.django_db
def test_deleted_messages_blocked_pairs_and_ended_mentorships_get_no_reactions():
    convo, message = _setup()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    Block.objects.create(blocker=mentor, blocked=mentee)
    with pytest.raises(BlockedConversation):
        services.set_reaction(mentee, message, "heart")
    Block.objects.all().delete()
    Mentorship.objects.filter(pk=convo.mentorship_id).update(status=MentorshipStatus.ENDED)
    with pytest.raises(ConversationClosed):
        services.set_reaction(mentee, message, "heart")
    Mentorship.objects.filter(pk=convo.mentorship_id).update(status=MentorshipStatus.ACTIVE)
    services.set_reaction(mentee, message, "heart")  # allowed again
    services.delete_message(mentor, message)
    with pytest.raises(MessageDeleted):
        services.set_reaction(mentee, message, "heart")


@pytest.mark.django_db
def test_api_adds_and_removes_reactions_with_counts_and_who():
    convo, message = _setup()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    url = f"{BASE}/{convo.pk}/messages/{message.pk}/reactions"
    client_for(mentor).put(f"{url}/thumbs_up")
    response = client_for(mentee).put(f"{url}/thumbs_up")
    assert response.status_code == 200
    assert response.json()["reactions"] == [
        {
            "key": "thumbs_up",
            "emoji": "👍",
            "name": "Thumbs up",
            "count": 2,
            "user_ids": [mentor.pk, mentee.pk],
        }
    ]
    removed = client_for(mentee).delete(f"{url}/thumbs_up")
    assert removed.json()["reactions"][0]["user_ids"] == [mentor.pk]
    listed = client_for(mentee).get(f"{BASE}/{convo.pk}/messages").json()["messages"][0]
    assert listed["reactions"][0]["count"] == 1


@pytest.mark.django_db
def test_api_unknown_reaction_is_422_and_outsiders_get_404():
    convo, message = _setup()
    url = f"{BASE}/{convo.pk}/messages/{message.pk}/reactions"
    bad = client_for(convo.mentorship.mentee).put(f"{url}/poop")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_reaction"
    assert client_for(UserFactory()).put(f"{url}/heart").status_code == 404
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_page_buttons_toggle_a_reaction_without_javascript():
    convo, message = _setup()
    mentee = client_for(convo.mentorship.mentee)
    url = reverse("messaging:react", args=[convo.pk, message.pk])
    assert mentee.post(url, {"key": "heart"}).status_code == 302
    page = mentee.get(reverse("messaging:conversation", args=[convo.pk])).text
    assert 'aria-pressed="true" data-reaction="heart"' in page
    mentee.post(url, {"key": "heart"})
    assert not Reaction.objects.exists()
    assert client_for(UserFactory()).post(url, {"key": "heart"}).status_code == 404


async def test_reaction_reaches_the_other_side_live(live_asgi):
    convo, message = await sync_to_async(_setup)()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    async with chat_socket(live_asgi, await sync_to_async(cookie_for)(mentor)) as ws:
        await subscribe(ws, convo, after_id=message.pk)
        await sync_to_async(services.set_reaction)(mentee, message, "thanks")
        frame, _ = await until(ws, "message_changed")
    assert frame["message"]["id"] == message.pk
    assert frame["message"]["reactions"][0]["key"] == "thanks"
    assert frame["message"]["reactions"][0]["user_ids"] == [mentee.pk]

"""Editing and deleting own messages from the chat page, and live unread totals for the nav."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from websockets.asyncio.client import connect

from mentorloom.core.realtime.live import refresher_for
from mentorloom.messaging import selectors, services
from mentorloom.messaging.models import Message
from mentorloom.messaging.selectors import unread_total_for
from mentorloom.safety.models import Block
from tests.factories import UserFactory, client_for
from tests.messaging.helpers import mentorship_conversation, request_conversation
from tests.messaging.sockets import TIMEOUT, cookie_for


def _send(user, convo, body: str = "hi") -> Message:  # type: ignore[no-untyped-def]
    return services.send_message(user, convo, uuid.uuid4(), body)[0]


# --- edit and delete on the page ------------------------------------------------------------


@pytest.mark.django_db
def test_own_recent_message_shows_edit_and_delete_but_others_do_not():
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    mine = _send(mentor, convo, "mine")
    theirs = _send(mentee, convo, "theirs")
    html = client_for(mentor).get(reverse("messaging:conversation", args=[convo.pk])).text
    assert reverse("messaging:edit_message", args=[convo.pk, mine.pk]) in html
    assert reverse("messaging:delete_message", args=[convo.pk, mine.pk]) in html
    assert reverse("messaging:edit_message", args=[convo.pk, theirs.pk]) not in html
    with time_machine.travel(mine.created_at + timedelta(minutes=16)):
        later = client_for(mentor).get(reverse("messaging:conversation", args=[convo.pk])).text
    assert reverse("messaging:edit_message", args=[convo.pk, mine.pk]) not in later


@pytest.mark.django_db
def test_chat_messages_are_not_shown_as_site_alerts():
    convo = mentorship_conversation()
    _send(convo.mentorship.mentor, convo, "hello")
    html = (
        client_for(convo.mentorship.mentee)
        .get(reverse("messaging:conversation", args=[convo.pk]))
        .text
    )
    # The site's flash messages (Django messages) are `alert--…` boxes with role="alert" or a
    # text; the travelling-zone note is an empty hidden box filled in by script, not one of them.
    flashes = [
        m
        for m in re.findall(r'<div class="alert alert--[^"]*"[^>]*>', html)
        if "travel-note" not in m
    ]
    assert flashes == [] and "message " + str(convo.pk) not in html


@pytest.mark.django_db
def test_edit_form_without_javascript_saves_and_marks_edited():
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    message = _send(mentor, convo, "tpyo")
    url = reverse("messaging:edit_message", args=[convo.pk, message.pk])
    client = client_for(mentor)
    assert "tpyo" in client.get(url).text
    response = client.post(url, {"body": "typo fixed"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#msg-{message.pk}")
    message.refresh_from_db()
    assert message.body == "typo fixed" and message.edited_at is not None
    page = client.get(reverse("messaging:conversation", args=[convo.pk])).text
    assert "typo fixed" in page and "edited" in page


@pytest.mark.django_db
def test_edit_form_shows_errors_next_to_the_field():
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    message = _send(mentor, convo, "keep")
    url = reverse("messaging:edit_message", args=[convo.pk, message.pk])
    response = client_for(mentor).post(url, {"body": "   "})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    with time_machine.travel(message.created_at + timedelta(minutes=16)):
        late = client_for(mentor).post(url, {"body": "too late"})
    assert late.status_code == 409 and "within 15 minutes" in late.text
    message.refresh_from_db()
    assert message.body == "keep"


@pytest.mark.django_db
def test_editing_someone_elses_message_is_refused():
    convo = mentorship_conversation()
    message = _send(convo.mentorship.mentor, convo, "mine")
    url = reverse("messaging:edit_message", args=[convo.pk, message.pk])
    mentee = client_for(convo.mentorship.mentee)
    assert mentee.get(url).status_code == 404
    assert mentee.post(url, {"body": "hijack"}).status_code == 403
    message.refresh_from_db()
    assert message.body == "mine"


@pytest.mark.django_db
def test_edit_and_delete_pages_are_404_for_outsiders():
    convo = mentorship_conversation()
    message = _send(convo.mentorship.mentor, convo, "private")
    outsider = client_for(UserFactory())
    assert (
        outsider.get(reverse("messaging:edit_message", args=[convo.pk, message.pk])).status_code
        == 404
    )
    delete = reverse("messaging:delete_message", args=[convo.pk, message.pk])
    assert outsider.post(delete).status_code == 404
    assert Message.objects.get(pk=message.pk).deleted_at is None


@pytest.mark.django_db
def test_delete_form_without_javascript_deletes_own_message():
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    message = _send(mentor, convo, "oops")
    response = client_for(mentor).post(
        reverse("messaging:delete_message", args=[convo.pk, message.pk])
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.deleted_at is not None
    page = (
        client_for(convo.mentorship.mentee)
        .get(reverse("messaging:conversation", args=[convo.pk]))
        .text
    )
    assert "Message deleted" in page and "oops" not in page


@pytest.mark.django_db
def test_delete_of_someone_elses_message_is_refused_with_an_alert():
    convo = mentorship_conversation()
    message = _send(convo.mentorship.mentor, convo, "mine")
    client = client_for(convo.mentorship.mentee)
    response = client.post(
        reverse("messaging:delete_message", args=[convo.pk, message.pk]), follow=True
    )
    assert "You can only change your own messages." in response.text
    assert Message.objects.get(pk=message.pk).deleted_at is None


@pytest.mark.django_db
def test_payload_says_until_when_a_message_can_be_changed():
    convo = mentorship_conversation()
    message = _send(convo.mentorship.mentor, convo, "x")
    data = (
        client_for(convo.mentorship.mentee).get(f"/api/v1/conversations/{convo.pk}/messages").json()
    )
    [payload] = data["messages"]
    assert payload["editable_until"].startswith(
        (message.created_at + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S")
    )


# --- unread totals ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_unread_total_counts_only_this_persons_unread_across_conversations():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    ab = request_conversation(a, b)
    ac = request_conversation(a, c)
    _send(b, ab)
    second = _send(b, ab)
    _send(c, ac)
    assert unread_total_for(a) == 3
    assert unread_total_for(b) == 0 and unread_total_for(c) == 0
    services.mark_read(a, ab, second.pk)
    assert unread_total_for(a) == 1
    services.delete_message(c, Message.objects.get(conversation=ac))
    assert unread_total_for(a.pk) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [500, 1])  # in one statement, and one person per statement
def test_unread_totals_of_several_people_are_each_their_own(monkeypatch, chunk):
    monkeypatch.setattr(selectors, "UNREAD_TOTALS_CHUNK", chunk)
    a, b, c, d = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    ab = request_conversation(a, b)
    ac = request_conversation(a, c)
    # Sending marks the sender's own read marker at their message.
    _send(a, ab)
    _send(b, ab)
    _send(b, ab)
    _send(c, ac)
    _send(a, ac)
    assert selectors.unread_totals_for([c.pk]) == {c.pk: 1}
    Block.objects.create(blocker=c, blocked=a)  # hides ac from both
    # d takes part in nothing; a repeated id is counted once.
    assert selectors.unread_totals_for([a.pk, b.pk, c.pk, d.pk, a.pk]) == {
        a.pk: 2,
        b.pk: 0,
        c.pk: 0,
        d.pk: 0,
    }
    assert selectors.unread_totals_for([]) == {}


@pytest.mark.django_db
def test_unread_total_leaves_out_conversations_with_blocked_people():
    a, b = UserFactory(), UserFactory()
    convo = request_conversation(a, b)
    _send(b, convo)
    Block.objects.create(blocker=a, blocked=b)
    assert unread_total_for(a) == 0


@pytest.mark.django_db
def test_nav_tag_gives_the_unread_total():
    convo = mentorship_conversation()
    _send(convo.mentorship.mentor, convo)
    _send(convo.mentorship.mentor, convo)
    request = RequestFactory().get("/")
    request.user = convo.mentorship.mentee
    html = Template("{% load messaging_tags %}{% unread_messages_total as n %}[{{ n }}]").render(
        Context({"request": request})
    )
    assert html == "[2]"


@pytest.mark.django_db
def test_unread_changed_goes_to_the_recipient_after_commit_and_to_the_reader_on_read(
    django_capture_on_commit_callbacks, monkeypatch
):
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(
        "mentorloom.messaging.events.publish_refresh", lambda uid, kind: sent.append((uid, kind))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = _send(mentor, convo, "one")
        assert sent == []
    for callback in callbacks:
        callback()
    # Only the fact is published; each of the person's live sockets reads the total.
    assert sent == [(mentee.pk, "unread.changed")]
    assert refresher_for("unread.changed")([mentee.pk]) == {
        mentee.pk: {"type": "unread.changed", "total": 1}
    }
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_read(mentee, convo, message.pk)
        services.mark_read(mentee, convo, message.pk)  # did not move: nothing new to say
    assert sent == [(mentee.pk, "unread.changed")]
    assert refresher_for("unread.changed")([mentee.pk, mentor.pk]) == {
        mentee.pk: {"type": "unread.changed", "total": 0},
        mentor.pk: {"type": "unread.changed", "total": 0},
    }


async def test_every_live_socket_of_the_recipient_reads_the_new_unread_total(live_asgi):
    convo = await sync_to_async(mentorship_conversation)()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    cookie = await sync_to_async(cookie_for)(mentee)
    sockets = [
        connect(
            f"{live_asgi.ws_url}/ws/live/",
            origin=live_asgi.url,
            additional_headers={"Cookie": cookie},
            open_timeout=TIMEOUT,
        )
        for _ in range(2)  # two tabs
    ]
    async with sockets[0] as first, sockets[1] as second:
        await asyncio.sleep(0.2)  # the consumer joins its group right after the handshake
        # A kind this release does not know (another release's publish) is ignored.
        await get_channel_layer().group_send(
            f"user.{mentee.pk}", {"type": "live.refresh", "kind": "no.such.kind"}
        )
        await sync_to_async(_send)(mentor, convo, "ping")
        events = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for ws in (first, second)]
        await sync_to_async(_send)(mentor, convo, "pong")
        later = json.loads(await asyncio.wait_for(first.recv(), TIMEOUT))
    # Each socket read the count when the event reached it, after the commit.
    assert events == [{"type": "unread.changed", "total": 1}] * 2
    assert later == {"type": "unread.changed", "total": 2}

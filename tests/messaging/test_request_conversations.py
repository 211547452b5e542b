"""A connection request's conversation (issue 26, item 2): it exists from the moment the request
is sent and both inboxes list it ("Request · pending"); both may write while it waits; once
declined, withdrawn or expired it is read-only (409 `request_closed` over HTTP, the same code
in the socket's error frame, a notice on the page) with its history kept; on acceptance the
same conversation becomes the mentorship's."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorloom.mentorships import services as mentorships
from mentorloom.mentorships.models import MentorshipRequest
from mentorloom.messaging import services
from mentorloom.messaging.errors import RequestClosed
from mentorloom.messaging.models import Conversation, Message
from mentorloom.safety.models import Block
from tests.factories import (
    MentorProfileFactory,
    MentorshipFactory,
    MentorshipRequestFactory,
    ProfileFactory,
    UserFactory,
    client_for,
)
from tests.messaging.helpers import mentorship_conversation
from tests.messaging.sockets import (
    chat,
    chat_socket,
    collect,
    cookie_for,
    drain,
    receive,
    send,
    subscribe,
    until,
)

NOTE = (
    "Hello Maya! I lead a small backend team and would love help with my first year as a manager."
)
BASE = "/api/v1/conversations"


def _people():  # type: ignore[no-untyped-def]
    mentor = MentorProfileFactory(display_name="Maya Mentor", capacity=2).user
    mentee = ProfileFactory(display_name="Ola Mentee").user
    return mentor, mentee


def _sent():  # type: ignore[no-untyped-def]
    mentor, mentee = _people()
    request = mentorships.send_request(mentee, mentor.pk, message=NOTE)
    return mentor, mentee, request, Conversation.objects.get(request=request)


def api_send(client: Client, convo: Conversation, body: str = "A question first"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": body},
        content_type="application/json",
    )


@pytest.mark.django_db
def test_a_sent_request_opens_a_conversation_both_inboxes_list_as_pending():
    mentor, mentee, request, convo = _sent()
    assert convo.kind == "request" and convo.mentorship is None
    assert set(convo.participants.values_list("pk", flat=True)) == {mentor.pk, mentee.pk}
    # The note is context at the top, not a message of the conversation.
    assert not Message.objects.filter(conversation=convo).exists()
    for user, other in ((mentor, "Ola Mentee"), (mentee, "Maya Mentor")):
        page = client_for(user).get("/messages/").content.decode()
        assert "No conversations yet" not in page
        assert f'href="/messages/{convo.pk}/"' in page and other in page
        assert "Request · pending" in page
        [row] = client_for(user).get(BASE).json()
        assert (row["id"], row["kind"], row["request_id"], row["request_state"]) == (
            convo.pk,
            "request",
            request.pk,
            "pending",
        )


@pytest.mark.django_db
def test_the_conversation_page_shows_the_note_and_a_way_to_answer():
    mentor, mentee, request, convo = _sent()
    page = client_for(mentor).get(f"/messages/{convo.pk}/").content.decode()
    assert "Request from Ola Mentee" in page and NOTE.replace("'", "&#x27;") in page
    assert f'href="/requests/{request.pk}/"' in page and "Accept or decline" in page
    assert "data-chat-form" in page and 'id="chat-closed"' not in page
    mine = client_for(mentee).get(f"/messages/{convo.pk}/").content.decode()
    assert "Your request" in mine and "See or withdraw the request" in mine


@pytest.mark.django_db
def test_both_may_write_while_the_request_waits_also_after_a_question():
    mentor, mentee, request, convo = _sent()
    assert api_send(client_for(mentor), convo, "Which team size?").status_code == 201
    mentorships.ask_for_info(mentor, request, "Could you tell me a bit more about your team?")
    assert api_send(client_for(mentee), convo, "Five engineers.").status_code == 201
    bodies = list(Message.objects.filter(conversation=convo).values_list("body", flat=True))
    assert bodies == ["Which team size?", "Five engineers."]


def _decline(mentor, mentee, request) -> None:  # type: ignore[no-untyped-def]
    mentorships.decline_request(mentor, request, "My places are full.")


def _withdraw(mentor, mentee, request) -> None:  # type: ignore[no-untyped-def]
    mentorships.withdraw_request(mentee, request)


def _expire(mentor, mentee, request) -> None:  # type: ignore[no-untyped-def]
    MentorshipRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert mentorships.expire_request(request.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("close", "word"),
    [(_decline, "declined"), (_withdraw, "withdrawn"), (_expire, "expired")],
)
def test_an_answered_request_leaves_its_conversation_readable_and_closed(close, word):
    mentor, mentee, request, convo = _sent()
    assert api_send(client_for(mentor), convo, "Before I answer: which team?").status_code == 201
    close(mentor, mentee, request)
    for user in (mentor, mentee):
        client = client_for(user)
        refused = api_send(client, convo)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "request_closed"
        assert word in refused.json()["error"]["message"]
        # The history stays readable, and the page says why nobody can write.
        history = client.get(f"{BASE}/{convo.pk}/messages").json()["messages"]
        assert [m["body"] for m in history] == ["Before I answer: which team?"]
        page = client.get(f"/messages/{convo.pk}/").content.decode()
        assert "Before I answer: which team?" in page
        assert RequestClosed.for_status(word).message in page  # "…; its conversation is read-only."
        assert "data-chat-form" not in page
        # The form's own POST is refused the same way (no 500, no message stored).
        posted = client.post(
            f"/messages/{convo.pk}/", {"client_id": str(uuid.uuid4()), "body": "Still there?"}
        )
        assert posted.status_code == 409
        assert f"Request · {word}" in client.get("/messages/").content.decode()
    message = Message.objects.get(conversation=convo)
    with pytest.raises(RequestClosed):  # reactions take the same check
        services.set_reaction(mentee, message, "thanks")
    assert Message.objects.filter(conversation=convo).count() == 1


@pytest.mark.django_db
def test_a_request_answered_before_anyone_wrote_leaves_no_empty_row():
    mentor, mentee, request, convo = _sent()
    mentorships.withdraw_request(mentee, request)
    again = mentorships.send_request(mentee, mentor.pk, message=NOTE)
    rows = client_for(mentor).get(BASE).json()
    assert [(r["request_id"], r["request_state"]) for r in rows] == [(again.pk, "pending")]
    assert f"/messages/{convo.pk}/" not in client_for(mentee).get("/messages/").content.decode()


@pytest.mark.django_db
def test_acceptance_turns_the_request_conversation_into_the_mentorships_with_its_history():
    mentor, mentee, request, convo = _sent()
    api_send(client_for(mentee), convo, "Is a weekly call possible?")
    api_send(client_for(mentor), convo, "Yes, Tuesdays work.")
    mentorship = mentorships.accept_request(mentor, request)
    convo.refresh_from_db()
    assert (convo.kind, convo.mentorship_id, convo.request_id) == (
        "mentorship",
        mentorship.pk,
        request.pk,
    )
    assert Conversation.objects.filter(participants=mentee).count() == 1  # one history
    client = client_for(mentee)
    opened = client.get(f"/mentorships/{mentorship.pk}/chat/")
    assert opened.status_code == 302 and opened["Location"] == f"/messages/{convo.pk}/"
    page = client.get(f"/messages/{convo.pk}/").content.decode()
    assert "Is a weekly call possible?" in page and "Yes, Tuesdays work." in page
    assert "that started this mentorship" in page  # the note, folded, as context
    assert api_send(client, convo, "See you Tuesday").status_code == 201
    [row] = client.get(BASE).json()
    assert (row["kind"], row["mentorship_id"], row["request_state"]) == (
        "mentorship",
        mentorship.pk,
        None,
    )
    assert "Request ·" not in client.get("/messages/").content.decode()


@pytest.mark.django_db
def test_an_outsider_finds_nothing():
    _mentor, _mentee, request, convo = _sent()
    outsider = client_for(ProfileFactory().user)
    assert outsider.get(f"/messages/{convo.pk}/").status_code == 404
    assert outsider.get(f"{BASE}/{convo.pk}/messages").status_code == 404
    assert api_send(outsider, convo).status_code == 404
    assert outsider.get(f"/requests/{request.pk}/chat/").status_code == 404
    assert outsider.get(BASE).json() == []
    assert not Message.objects.filter(conversation=convo).exists()


@pytest.mark.django_db
def test_sending_in_a_request_conversation_needs_a_verified_address():
    _mentor, mentee, _request, convo = _sent()
    mentee.email_verified_at = None
    mentee.save(update_fields=["email_verified_at"])
    refused = api_send(client_for(mentee), convo)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "email_unverified"


@pytest.mark.django_db
def test_a_block_closes_and_hides_the_request_conversation():
    mentor, mentee, _request, convo = _sent()
    api_send(client_for(mentee), convo, "Hello?")
    Block.objects.create(blocker=mentor, blocked=mentee)
    mentorships.withdraw_requests_between(mentor.pk, mentee.pk)  # what safety's hook does
    assert api_send(client_for(mentee), convo).status_code in (403, 409)
    assert client_for(mentee).get(BASE).json() == []


@pytest.mark.django_db
def test_the_request_page_links_to_its_conversation():
    mentor, _mentee, request, convo = _sent()
    client = client_for(mentor)
    page = client.get(f"/requests/{request.pk}/").content.decode()
    assert f'href="/requests/{request.pk}/chat/"' in page and "Message Ola Mentee" in page
    opened = client.get(f"/requests/{request.pk}/chat/")
    assert opened.status_code == 302 and opened["Location"] == f"/messages/{convo.pk}/"


@pytest.mark.django_db
def test_an_open_request_without_a_conversation_gets_one_when_opened():
    request = MentorshipRequestFactory()  # made directly, as before conversations existed
    opened = client_for(request.mentee).get(f"/requests/{request.pk}/chat/")
    convo = Conversation.objects.get(request=request)
    assert opened["Location"] == f"/messages/{convo.pk}/" and convo.kind == "request"
    closed = MentorshipRequestFactory(status="declined")
    back = client_for(closed.mentor).get(f"/requests/{closed.pk}/chat/")
    assert back["Location"] == f"/requests/{closed.pk}/"
    assert not Conversation.objects.filter(request=closed).exists()


@pytest.mark.django_db
def test_a_conversation_whose_request_is_gone_is_read_only():
    mentor, mentee, _request, convo = _sent()
    api_send(client_for(mentor), convo, "Hello")
    mentee.delete()  # the request goes with the account; the mentor's history stays
    convo.refresh_from_db()
    assert convo.request_id is None
    refused = api_send(client_for(mentor), convo)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "request_closed"
    assert client_for(mentor).get(f"{BASE}/{convo.pk}/messages").status_code == 200


@pytest.mark.django_db
def test_the_request_rule_costs_no_statement_of_its_own():
    """The request's status is read inside the send's one check statement, so a request's
    send and a mentorship's run the same number of statements."""
    _mentor, mentee, _request, convo = _sent()
    mentorship_convo = mentorship_conversation()
    counts = []
    for conversation, sender in (
        (convo, mentee),
        (mentorship_convo, mentorship_convo.mentorship.mentor),
    ):
        services.send_message(sender, conversation, uuid.uuid4(), "warm up")
        with CaptureQueriesContext(connection) as queries:
            services.send_message(sender, conversation, uuid.uuid4(), "counted", others=[0])
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- live ---------------------------------------------------------------------------------


@pytest.fixture
def pending(transactional_db):  # type: ignore[no-untyped-def]
    """(mentor, mentee, request, conversation, mentor's cookie, mentee's cookie)."""
    mentor, mentee, request, convo = _sent()
    return mentor, mentee, request, convo, cookie_for(mentor), cookie_for(mentee)


@pytest.fixture
def outsider_cookie(transactional_db) -> str:
    return cookie_for(UserFactory())


async def test_the_mentors_reply_before_accepting_reaches_the_mentee_live(live_asgi, pending):
    mentor, _mentee, _request, convo, mentor_cookie, mentee_cookie = pending
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        await send(a, chat(convo, body="Happy to help. What does your week look like?"))
        messages, _ = await collect(b, messages=1)
        assert [m["message"]["body"] for m in messages] == [
            "Happy to help. What does your week look like?"
        ]
        assert messages[0]["message"]["sender_id"] == mentor.pk
        await collect(a, messages=1, acks=1)  # the mentor's own copy and ack
        # And back: the mentee answers on the same conversation.
        await send(b, chat(convo, body="Mornings, mostly."))
        messages, _ = await collect(a, messages=1)
        assert [m["message"]["body"] for m in messages] == ["Mornings, mostly."]


async def test_after_a_decline_the_socket_answers_a_send_with_request_closed(live_asgi, pending):
    mentor, _mentee, request, convo, _, mentee_cookie = pending
    await sync_to_async(mentorships.decline_request)(mentor, request)
    async with chat_socket(live_asgi, mentee_cookie) as ws:
        await subscribe(ws, convo)
        frame = chat(convo, body="Why not?")
        await send(ws, frame)
        error, _ = await until(ws, "error")
        assert error["code"] == "request_closed"
        assert error["client_id"] == frame["client_id"]
        assert await drain(ws) == []
    assert not await sync_to_async(Message.objects.filter(conversation=convo).exists)()


async def test_an_outsiders_socket_gets_not_found(live_asgi, pending, outsider_cookie):
    convo = pending[3]
    async with chat_socket(live_asgi, outsider_cookie) as ws:
        await send(ws, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        assert (await receive(ws))["code"] == "not_found"
        await send(ws, chat(convo))
        assert (await receive(ws))["code"] == "not_found"


# --- backfill -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_backfill_gives_open_requests_their_conversation_and_links_accepted_ones():
    executor = MigrationExecutor(connection)
    before = [("messaging", "0011_conversation_request")]
    after = [("messaging", "0012_backfill_request_conversations")]
    executor.migrate(before)
    try:
        open_request = MentorshipRequestFactory()
        declined = MentorshipRequestFactory(status="declined")
        mentorship = MentorshipFactory()
        accepted = MentorshipRequestFactory(
            mentee=mentorship.mentee,
            mentor=mentorship.mentor,
            status="accepted",
            mentorship=mentorship,
        )
        mentorship_convo = services.get_or_create_conversation_for_mentorship(mentorship)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        convo = Conversation.objects.get(request=open_request)
        assert convo.kind == "request" and convo.created_at == open_request.created_at
        assert set(convo.participants.values_list("pk", flat=True)) == {
            open_request.mentee_id,
            open_request.mentor_id,
        }
        assert not Conversation.objects.filter(request=declined).exists()
        mentorship_convo.refresh_from_db()
        assert mentorship_convo.request_id == accepted.pk
        assert Conversation.objects.filter(kind="request").count() == 1
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

"""A send outside any transaction on SQLite (a socket's send, an HTTP send) is written through
the DB-API connection itself (`send_sql.write_unwrapped`); it must store, refuse and announce
exactly as the `atomic` path does (tests/messaging/test_performance.py covers that one)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorloom.accounts.models import User
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.messaging import consumers
from mentorloom.messaging.errors import BlockedConversation, ConversationClosed
from mentorloom.messaging.models import Conversation, Message, Participant
from mentorloom.safety.models import Block
from tests.messaging.helpers import mentorship_conversation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the unwrapped path is SQLite's"),
]


def _no_open_transaction() -> bool:
    return connection.connection is None or not connection.connection.in_transaction


def test_a_send_is_written_unwrapped_stored_and_announced_as_before():
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    first = consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "hello", None)
    client_id = uuid.uuid4()

    with CaptureQueriesContext(connection) as queries:
        sent = consumers.send_frame(mentor, convo.pk, str(client_id), "how are you?", [mentee.pk])

    # Not one statement went through Django's cursor: the DB-API connection wrote it.
    assert queries.captured_queries == []
    assert _no_open_transaction()
    stored = Message.objects.get(pk=sent.message_id)
    assert (stored.client_id, stored.body, stored.sender_id) == (
        client_id,
        "how are you?",
        mentor.pk,
    )
    convo.refresh_from_db()
    assert (convo.last_message_id, convo.last_message_at) == (stored.pk, stored.created_at)
    own = Participant.objects.get(conversation=convo, user=mentor)
    assert (own.last_read_message_id, own.last_read_at) == (stored.pk, stored.created_at)
    # The ack's payload, the fan-out (with the previous newest id for the gap check) and the
    # recipient's badge refresh, as the atomic path's on-commit callbacks build them.
    payload = json.loads(sent.payload_json)
    assert (
        sent.created and payload["id"] == stored.pk and payload["html"] == "<p>how are you?</p>\n"
    )
    assert payload["created_at"] == stored.created_at.isoformat()
    (group, event), badge = sent.outbox
    assert (group, event["id"], event["prev_id"]) == (
        f"chat.conversation.{convo.pk}",
        stored.pk,
        first.message_id,
    )
    assert event["frame"] == '{"type": "message", "message": ' + sent.payload_json + "}"
    assert badge == (f"user.{mentee.pk}", {"type": "live.refresh", "kind": "unread.changed"})


def test_a_retry_gets_the_stored_message_and_no_second_row():
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    client_id = str(uuid.uuid4())
    sent = consumers.send_frame(mentor, convo.pk, client_id, "only once", None)
    again = consumers.send_frame(mentor, convo.pk, client_id, "only once", sent.others)
    assert (again.message_id, again.created, again.outbox) == (sent.message_id, False, [])
    assert Message.objects.filter(conversation=convo).count() == 1
    assert _no_open_transaction()


def test_refusals_raise_as_before_store_nothing_and_leave_no_transaction_open():
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    outsider = User.objects.create(email="outsider@example.org", email_verified_at=timezone.now())

    with pytest.raises(Http404):
        consumers.send_frame(outsider, convo.pk, str(uuid.uuid4()), "let me in", None)
    assert _no_open_transaction()

    Block.objects.create(blocker=mentee, blocked=mentor)
    with pytest.raises(BlockedConversation):
        consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "still there?", [mentee.pk])
    assert _no_open_transaction()
    Block.objects.all().delete()

    Mentorship.objects.filter(pk=convo.mentorship_id).update(status=MentorshipStatus.ENDED)
    with pytest.raises(ConversationClosed):
        consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "one more thing", [mentee.pk])
    assert _no_open_transaction()

    assert not Message.objects.filter(conversation=convo).exists()
    assert Conversation.objects.get(pk=convo.pk).last_message_id is None

"""Cost of one chat send: queries per `send` frame, bounded so a change can't quietly regress
the messages-per-second a server process handles (see docs/websocket.md, Performance)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentorloom.messaging import consumers
from mentorloom.messaging.models import Message
from mentorloom.safety.models import Block
from tests.messaging.helpers import mentorship_conversation

pytestmark = pytest.mark.django_db

# Statements per send on a socket that already sent once (others kept), on-commit fan-out
# included: the membership, closed-mentorship and block check (which also reads the newest id),
# the insert and the two updates; on PostgreSQL also the row lock, a statement of its own so
# that the check reads what was committed when the lock was granted. The recipient's unread
# badge is counted by their open pages' live sockets, not by the send.
MAX_QUERIES_PER_SEND = 4 + (1 if connection.features.has_select_for_update else 0)
# Before the Performance work: 16 statements (two DB thread hops) and Markdown rendered twice;
# then 8 composed by the ORM (~4 ms a send); then 5 written out in SQL (~0.6 ms).


def _statements(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints / BEGIN / COMMIT are not round trips worth counting the same way on every
    # backend; the bound is on real statements.
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]


def test_a_send_stays_within_the_query_budget_and_renders_markdown_once(
    django_capture_on_commit_callbacks, monkeypatch
):
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    others = consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "warm up", None).others

    renders: list[str] = []
    real_render = consumers.services.render_markdown
    monkeypatch.setattr(
        consumers.services,
        "render_markdown",
        lambda text: renders.append(text) or real_render(text),
    )
    monkeypatch.setattr(
        consumers.events,
        "render_markdown",
        lambda text: renders.append(text) or real_render(text),
    )
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks() as callbacks:
            sent = consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "**second**", others)
        # Persist, then deliver: nothing is announced until the transaction commits, and then
        # in one announcement (the fan-out, then the recipient's badge); its cost counts too.
        assert len(callbacks) == 1 and sent.outbox == []
        callbacks[0]()

    payload = json.loads(sent.payload_json)
    assert sent.created and payload["html"] == "<p><strong>second</strong></p>\n"
    assert (payload["id"], payload["client_id"]) == (sent.message_id, sent.client_id)
    outbox = sent.outbox
    # Collected for the socket to publish from its event loop, not from the database thread.
    assert [event["type"] for _, event in outbox] == ["chat.message", "live.refresh"]
    # The `message` frame travels ready-made, embedding the very JSON text of the ack.
    assert outbox[0][1]["frame"] == '{"type": "message", "message": ' + sent.payload_json + "}"
    assert outbox[0][1]["id"] == sent.message_id
    # The badge's count is left to the recipient's open pages: none is read here.
    assert outbox[1] == (f"user.{mentee.pk}", {"type": "live.refresh", "kind": "unread.changed"})
    assert renders == ["**second**"]
    statements = _statements(queries)
    assert len(statements) <= MAX_QUERIES_PER_SEND, "\n".join(statements)
    assert Message.objects.filter(conversation=convo).count() == 2


def test_kept_participants_do_not_skip_a_new_block(django_capture_on_commit_callbacks):
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    others = consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "hi", None).others
    Block.objects.create(blocker=mentee, blocked=mentor)

    with pytest.raises(consumers.services.BlockedConversation):
        consumers.send_frame(mentor, convo.pk, str(uuid.uuid4()), "still there?", others)
    assert Message.objects.filter(conversation=convo).count() == 1


def test_payload_after_a_reaction_on_the_sent_instance_is_fresh():
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    message, _ = consumers.services.send_message(mentor, convo, uuid.uuid4(), "hello")
    consumers.services.set_reaction(mentee, message, "heart")
    assert [r["key"] for r in consumers.events.message_payload(message)["reactions"]] == ["heart"]
    consumers.services.edit_message(mentor, message, "hello *again*")
    assert consumers.events.message_payload(message)["html"] == "<p>hello <em>again</em></p>\n"

"""Messaging services against the real database: idempotency, order, access, limits, edits."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.http import Http404
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.mentorships.models import Mentorship
from mentorloom.messaging import selectors, services
from mentorloom.messaging.errors import (
    BlockedConversation,
    ConversationClosed,
    EditWindowClosed,
    EmptyMessage,
    MessageTooLong,
    NotYourMessage,
    TooManyMessages,
)
from mentorloom.messaging.models import Conversation, Message, Participant
from mentorloom.messaging.selectors import conversations_for, messages_page, unread_total_for
from mentorloom.safety.models import Block
from tests.concurrency import race
from tests.factories import UserFactory
from tests.messaging.helpers import mentorship_conversation, request_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def convo() -> Conversation:
    return mentorship_conversation()


def _people(convo: Conversation):  # type: ignore[no-untyped-def]
    mentorship = convo.mentorship
    return mentorship.mentor, mentorship.mentee


def test_conversation_for_a_mentorship_is_created_once_with_both_people():
    mentorship = Mentorship.objects.create(mentor=UserFactory(), mentee=UserFactory())
    first = services.get_or_create_conversation_for_mentorship(mentorship)
    again = services.get_or_create_conversation_for_mentorship(mentorship)
    assert first.pk == again.pk
    assert set(first.participants.values_list("pk", flat=True)) == {
        mentorship.mentor_id,
        mentorship.mentee_id,
    }
    assert Conversation.objects.count() == 1


def test_send_stores_the_message_and_returns_created(convo):
    mentor, _ = _people(convo)
    message, created = services.send_message(mentor, convo, uuid.uuid4(), "  Hello **there**  ")
    assert created
    assert message.body == "Hello **there**"
    convo.refresh_from_db()
    assert convo.last_message_id == message.pk


def test_retry_with_the_same_client_id_returns_the_stored_message_not_a_copy(convo):
    mentor, _ = _people(convo)
    client_id = uuid.uuid4()
    first, created = services.send_message(mentor, convo, client_id, "Once")
    again, created_again = services.send_message(mentor, convo, str(client_id), "Once")
    assert created and not created_again
    assert again.pk == first.pk
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sends_of_one_client_id_store_one_message():
    # A double submit over two sockets (or a retry racing the original): the unique constraint
    # decides, and every loser reads back the winner.
    convo = mentorship_conversation()
    mentor, _ = _people(convo)
    client_id = uuid.uuid4()
    results = race(
        lambda i: services.send_message(mentor, convo.pk, client_id, "Only once"), attempts=6
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert {message.pk for message, _ in results} == {Message.objects.get().pk}
    convo.refresh_from_db()
    assert convo.last_message_id == Message.objects.get().pk


def test_an_outsider_cannot_send_by_conversation_id(convo):
    with pytest.raises(Http404):
        services.send_message(UserFactory(), convo.pk, uuid.uuid4(), "Let me in")
    assert not Message.objects.exists()


def test_a_retry_after_a_block_returns_the_stored_message(convo):
    mentor, mentee = _people(convo)
    client_id = uuid.uuid4()
    first, _ = services.send_message(mentor, convo, client_id, "Sent before the block")
    Block.objects.create(blocker=mentee, blocked=mentor)
    again, created = services.send_message(mentor, convo, client_id, "Sent before the block")
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(BlockedConversation):
        services.send_message(mentor, convo, uuid.uuid4(), "After the block")


def test_same_client_id_from_different_senders_are_different_messages(convo):
    mentor, mentee = _people(convo)
    client_id = uuid.uuid4()
    a, _ = services.send_message(mentor, convo, client_id, "Hi")
    b, _ = services.send_message(mentee, convo, client_id, "Hi")
    assert a.pk != b.pk


def test_ids_increase_in_sending_order(convo):
    mentor, mentee = _people(convo)
    ids = [
        services.send_message(who, convo, uuid.uuid4(), f"m{n}")[0].pk
        for n, who in enumerate([mentor, mentee, mentor, mentee])
    ]
    assert ids == sorted(ids)
    page = messages_page(convo)
    assert [m.body for m in page.messages] == ["m0", "m1", "m2", "m3"]


def test_fan_out_happens_only_after_commit(convo, django_capture_on_commit_callbacks, monkeypatch):
    mentor, _ = _people(convo)
    published: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "mentorloom.messaging.events.publish", lambda group, event: published.append((group, event))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, _ = services.send_message(mentor, convo, uuid.uuid4(), "one")
        assert published == []  # nothing announced before the transaction commits
    for callback in callbacks:
        callback()
    assert published[0][0] == f"chat.conversation.{convo.pk}"
    assert published[0][1]["id"] == first.pk
    assert json.loads(published[0][1]["frame"])["message"]["body"] == "one"
    assert published[0][1]["prev_id"] == 0


def test_a_failing_fan_out_still_updates_the_badges_and_keeps_the_message(
    convo, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    mentor, mentee = _people(convo)
    badges: list[list[int]] = []

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("layer down")

    monkeypatch.setattr("mentorloom.messaging.events.message_created", broken)
    monkeypatch.setattr(
        "mentorloom.messaging.events.unread_changed",
        lambda others, outbox=None: badges.append(list(others)),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message, created = services.send_message(mentor, convo, uuid.uuid4(), "still here")
    assert len(callbacks) == 1  # one announcement, after commit
    assert created and Message.objects.filter(pk=message.pk).exists()
    assert badges == [[mentee.pk]]
    assert "announcing message" in caplog.text


def test_prev_id_names_the_message_before(convo, django_capture_on_commit_callbacks, monkeypatch):
    mentor, _ = _people(convo)
    published: list[dict] = []
    monkeypatch.setattr("mentorloom.messaging.events.publish", lambda g, e: published.append(e))
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = services.send_message(mentor, convo, uuid.uuid4(), "one")
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = services.send_message(mentor, convo, uuid.uuid4(), "two")
    assert published[1]["prev_id"] == first.pk
    assert published[1]["id"] == second.pk


@pytest.mark.parametrize("body", ["", "   ", None, 42])
def test_empty_or_non_text_body_is_refused(convo, body):
    mentor, _ = _people(convo)
    with pytest.raises(EmptyMessage):
        services.send_message(mentor, convo, uuid.uuid4(), body)


def test_body_up_to_10000_chars_is_accepted_and_longer_is_refused(convo):
    mentor, _ = _people(convo)
    services.send_message(mentor, convo, uuid.uuid4(), "x" * 10_000)
    with pytest.raises(MessageTooLong):
        services.send_message(mentor, convo, uuid.uuid4(), "x" * 10_001)


def test_a_body_with_a_nul_character_is_refused_before_the_database(convo):
    # The chat socket reaches send_message without the HTTP middleware; PostgreSQL refuses NUL.
    mentor, _ = _people(convo)
    with pytest.raises(InvalidInput) as refused:
        services.send_message(mentor, convo, uuid.uuid4(), "half\x00way")
    assert "NUL" in refused.value.fields["body"][0]
    assert not Message.objects.filter(conversation=convo).exists()


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", None, 7])
def test_client_id_must_be_a_uuid(convo, client_id):
    mentor, _ = _people(convo)
    with pytest.raises(InvalidInput) as error:
        services.send_message(mentor, convo, client_id, "Hi")
    assert "client_id" in error.value.fields


def test_blocked_pair_cannot_message(convo):
    mentor, mentee = _people(convo)
    Block.objects.create(blocker=mentee, blocked=mentor)
    with pytest.raises(BlockedConversation):
        services.send_message(mentor, convo, uuid.uuid4(), "Hi")
    with pytest.raises(BlockedConversation):
        services.send_message(mentee, convo, uuid.uuid4(), "Hi")


def test_ended_mentorship_conversation_is_read_only(convo):
    mentor, _ = _people(convo)
    convo.mentorship.status = "ended"
    convo.mentorship.save()
    with pytest.raises(ConversationClosed):
        services.send_message(mentor, convo, uuid.uuid4(), "Hi")


def test_twenty_messages_per_ten_seconds_then_rate_limited(convo):
    mentor, mentee = _people(convo)
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        for n in range(services.SEND_LIMIT):
            services.send_message(mentor, convo, uuid.uuid4(), f"m{n}")
        with pytest.raises(TooManyMessages):
            services.send_message(mentor, convo, uuid.uuid4(), "one too many")
        # Per user: the other person is not affected.
        services.send_message(mentee, convo, uuid.uuid4(), "still fine")
    with time_machine.travel("2026-03-02 10:00:11+00:00", tick=False):
        services.send_message(mentor, convo, uuid.uuid4(), "after the window")
    assert Message.objects.filter(sender=mentor).count() == services.SEND_LIMIT + 1


def test_retry_of_a_stored_message_is_not_rate_limited(convo):
    mentor, _ = _people(convo)
    client_id = uuid.uuid4()
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        services.send_message(mentor, convo, client_id, "first")
        for n in range(services.SEND_LIMIT):
            try:
                services.send_message(mentor, convo, uuid.uuid4(), f"m{n}")
            except TooManyMessages:
                break
        message, created = services.send_message(mentor, convo, client_id, "first")
    assert not created and message.body == "first"


def test_unread_counts_exclude_own_and_read_messages(convo):
    mentor, mentee = _people(convo)
    services.send_message(mentor, convo, uuid.uuid4(), "one")
    second, _ = services.send_message(mentor, convo, uuid.uuid4(), "two")
    assert conversations_for(mentee).get().unread_count == 2
    assert conversations_for(mentor).get().unread_count == 0
    services.mark_read(mentee, convo, second.pk)
    assert unread_total_for(mentee) == 0


def test_replying_counts_as_having_read_the_conversation(convo):
    mentor, mentee = _people(convo)
    services.send_message(mentor, convo, uuid.uuid4(), "one")
    services.send_message(mentee, convo, uuid.uuid4(), "reply")
    assert unread_total_for(mentee) == 0
    assert unread_total_for(mentor) == 1


def test_read_marker_never_moves_back_or_past_the_newest(convo):
    mentor, mentee = _people(convo)
    first, _ = services.send_message(mentor, convo, uuid.uuid4(), "one")
    second, _ = services.send_message(mentor, convo, uuid.uuid4(), "two")
    stale = Conversation.objects.get(pk=convo.pk)  # read before the third message
    third, _ = services.send_message(mentor, convo, uuid.uuid4(), "three")
    assert services.mark_read(mentee, stale, second.pk) is True
    assert selectors.read_marker(mentee, convo) == second.pk
    assert services.mark_read(mentee, stale, first.pk) is False
    assert selectors.read_marker(mentee, convo) == second.pk
    # Past what the (stale) object knows: clamped to the stored newest, not to the stale one.
    assert services.mark_read(mentee, stale, 10**9) is True
    assert selectors.read_marker(mentee, convo) == third.pk
    assert services.mark_read(mentee, convo, 10**9) is False
    assert selectors.read_marker(mentee, convo) == third.pk


def test_read_receipt_is_published_once_when_the_marker_moves(
    convo, django_capture_on_commit_callbacks, monkeypatch
):
    mentor, mentee = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "one")
    published: list[dict] = []
    monkeypatch.setattr("mentorloom.messaging.events.publish", lambda g, e: published.append(e))
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_read(mentee, convo, message.pk)
        services.mark_read(mentee, convo, message.pk)
    assert [(e["type"], e["user_id"], e["up_to_id"]) for e in published] == [
        ("chat.read", mentee.pk, message.pk)
    ]


def test_conversations_with_blocked_people_are_hidden_from_the_list(convo):
    mentor, mentee = _people(convo)
    Block.objects.create(blocker=mentor, blocked=mentee)
    assert list(conversations_for(mentor)) == []
    assert list(conversations_for(mentee)) == []


def test_own_message_can_be_edited_within_15_minutes(convo):
    mentor, _ = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "typo")
    with time_machine.travel(message.created_at + timedelta(minutes=14)):
        edited = services.edit_message(mentor, message, "fixed")
    assert edited.body == "fixed" and edited.edited_at is not None


def test_edit_after_15_minutes_is_refused(convo):
    mentor, _ = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "old")
    with time_machine.travel(message.created_at + timedelta(minutes=15, seconds=1)):
        with pytest.raises(EditWindowClosed):
            services.edit_message(mentor, message, "too late")
        with pytest.raises(EditWindowClosed):
            services.delete_message(mentor, message)


def test_someone_elses_message_cannot_be_edited_or_deleted(convo):
    mentor, mentee = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "mine")
    with pytest.raises(NotYourMessage):
        services.edit_message(mentee, message, "hijack")
    with pytest.raises(NotYourMessage):
        services.delete_message(mentee, message)


def test_after_a_block_an_own_message_can_be_deleted_but_not_rewritten(convo):
    mentor, mentee = _people(convo)
    message, _ = services.send_message(mentee, convo, uuid.uuid4(), "Thanks for today")
    Block.objects.create(blocker=mentor, blocked=mentee)
    with pytest.raises(BlockedConversation):
        services.edit_message(mentee, message, "something else")
    message.refresh_from_db()
    assert (message.body, message.edited_at) == ("Thanks for today", None)
    services.delete_message(mentee, message)
    message.refresh_from_db()
    assert message.deleted_at is not None


def test_a_message_cannot_be_edited_once_the_mentorship_ended(convo):
    mentor, _ = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "See you")
    convo.mentorship.status = "ended"
    convo.mentorship.save()
    with pytest.raises(ConversationClosed):
        services.edit_message(mentor, message, "rewritten")
    message.refresh_from_db()
    assert message.body == "See you"


def test_deleted_message_keeps_its_place_without_its_text(convo):
    mentor, _ = _people(convo)
    message, _ = services.send_message(mentor, convo, uuid.uuid4(), "secret")
    services.delete_message(mentor, message)
    message.refresh_from_db()
    assert message.body == "" and message.deleted_at is not None
    assert messages_page(convo).messages == [message]
    with pytest.raises(EditWindowClosed):
        services.edit_message(mentor, message, "back")


def test_request_conversation_can_be_created_for_two_people():
    a, b = UserFactory(), UserFactory()
    convo = request_conversation(a, b)
    assert convo.kind == "request" and convo.mentorship is None
    message, _ = services.send_message(a, convo, uuid.uuid4(), "Hello")
    assert Participant.objects.get(conversation=convo, user=a).last_read_message_id == message.pk
    assert timezone.now() >= message.created_at


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_block_committed_while_a_send_waits_for_the_row_lock_refuses_the_send():
    convo = mentorship_conversation()
    mentor, mentee = _people(convo)
    locked, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold_the_lock() -> None:
        with transaction.atomic():
            Conversation.objects.select_for_update().get(pk=convo.pk)
            locked.set()
            release.wait(10)
        connections.close_all()

    def send() -> None:
        try:
            outcome.append(services.send_message(mentor, convo.pk, uuid.uuid4(), "Hello?"))
        except Exception as exc:
            outcome.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert locked.wait(10)
    sender = threading.Thread(target=send)
    sender.start()
    # Wait until the send really waits for the row lock, then block and let it go on.
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the send never waited for the lock")
    Block.objects.create(blocker=mentee, blocked=mentor)
    release.set()
    holder.join(10)
    sender.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], BlockedConversation), outcome
    assert not Message.objects.exists()

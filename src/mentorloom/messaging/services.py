"""Every write to conversations and messages: validate, lock, write, announce after commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorloom.core import ratelimit
from mentorloom.core.errors import InvalidInput
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.safety.selectors import is_blocked_between

from . import events
from .errors import (
    BlockedConversation,
    ConversationClosed,
    EditWindowClosed,
    EmptyMessage,
    MessageTooLong,
    NotYourMessage,
    TooManyMessages,
)
from .models import MAX_BODY_CHARS, Conversation, ConversationKind, Message, Participant

# Per-user send limit shared by the socket and the HTTP API (the issue: 20 per 10 seconds).
SEND_LIMIT = 20
SEND_WINDOW_SECONDS = 10


def create_conversation(
    kind: str, users: Iterable, *, mentorship: Mentorship | None = None
) -> Conversation:
    """A new conversation with these participants (e.g. a request thread: kind="request")."""
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=kind, mentorship=mentorship)
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=user) for user in users]
        )
    return conversation


def get_or_create_conversation_for_mentorship(mentorship: Mentorship) -> Conversation:
    """The mentorship's one conversation, created with mentor and mentee on first use.

    Safe under concurrency: the one-to-one column is unique, so a losing racer re-reads.
    """
    existing = Conversation.objects.filter(mentorship=mentorship).first()
    if existing is not None:
        return existing
    try:
        return create_conversation(
            ConversationKind.MENTORSHIP,
            [mentorship.mentor, mentorship.mentee],
            mentorship=mentorship,
        )
    except IntegrityError:
        return Conversation.objects.get(mentorship=mentorship)


def _clean_body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise EmptyMessage(fields={"body": [EmptyMessage.default_message]})
    body = body.strip()
    if len(body) > MAX_BODY_CHARS:
        raise MessageTooLong(fields={"body": [MessageTooLong.default_message]})
    return body


def parse_client_id(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(
            "client_id must be a UUID.", fields={"client_id": ["Expected a UUID."]}
        ) from None


def check_can_send(user, conversation: Conversation) -> None:  # type: ignore[no-untyped-def]
    """Raises unless `user` may post now. Precondition: `user` is a participant."""
    mentorship = conversation.mentorship
    if mentorship is not None and mentorship.status == MentorshipStatus.ENDED:
        raise ConversationClosed()
    others = Participant.objects.filter(conversation=conversation).exclude(user=user)
    for other_id in others.values_list("user_id", flat=True):
        if is_blocked_between(user.pk, other_id):
            raise BlockedConversation()


def _stored(conversation: Conversation, user, client_id: uuid.UUID) -> Message | None:  # type: ignore[no-untyped-def]
    return Message.objects.filter(
        conversation=conversation, sender=user, client_id=client_id
    ).first()


def send_message(
    user, conversation: Conversation, client_id: object, body: object
) -> tuple[Message, bool]:  # type: ignore[no-untyped-def]
    """Store a message, then (after commit) fan it out to every subscribed socket.

    Precondition: `conversation` came from `get_conversation_for(user, ...)`.
    Returns (message, created). A retry with a client id already stored returns the stored
    message with created=False and announces nothing (never a duplicate, also under a race).
    Raises EmptyMessage, MessageTooLong, InvalidInput (client_id), ConversationClosed,
    BlockedConversation, TooManyMessages.
    """
    client_id = parse_client_id(client_id)
    stored = _stored(conversation, user, client_id)
    if stored is not None:
        return stored, False
    body = _clean_body(body)
    check_can_send(user, conversation)
    if not ratelimit.allow(
        "chat.send", str(user.pk), limit=SEND_LIMIT, window_seconds=SEND_WINDOW_SECONDS
    ):
        raise TooManyMessages()
    try:
        with transaction.atomic():
            # The row lock serialises inserts per conversation, so ids are handed out in commit
            # order: a socket that has seen id N has seen every earlier message of the thread.
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            prev_id = locked.last_message_id or 0
            now = timezone.now()
            message = Message.objects.create(
                conversation=conversation,
                sender=user,
                client_id=client_id,
                body=body,
                created_at=now,
            )
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_id=message.pk, last_message_at=now
            )
            # Your own message is read by you.
            Participant.objects.filter(conversation=conversation, user=user).update(
                last_read_message_id=message.pk, last_read_at=now
            )
            transaction.on_commit(partial(events.message_created, message, prev_id))
    except IntegrityError:
        # The same client id won a concurrent race (double submit across two sockets).
        stored = _stored(conversation, user, client_id)
        if stored is None:
            raise
        return stored, False
    conversation.last_message_id = message.pk
    conversation.last_message_at = now
    return message, True


def mark_read(user, conversation: Conversation, up_to_id: int) -> Participant:  # type: ignore[no-untyped-def]
    """Move the user's read marker forward to `up_to_id` (never back, never past the newest).

    Publishes a read receipt after commit when the marker moved.
    """
    with transaction.atomic():
        newest = (
            Conversation.objects.filter(pk=conversation.pk)
            .values_list("last_message_id", flat=True)
            .get()
        ) or 0
        up_to = max(0, min(int(up_to_id), newest))
        now = timezone.now()
        moved = Participant.objects.filter(
            conversation=conversation, user=user, last_read_message_id__lt=up_to
        ).update(last_read_message_id=up_to, last_read_at=now)
        if moved:
            transaction.on_commit(partial(events.read_moved, conversation.pk, user.pk, up_to, now))
        return Participant.objects.get(conversation=conversation, user=user)


def _check_own_and_recent(user, message: Message) -> None:  # type: ignore[no-untyped-def]
    if message.sender_id != user.pk:
        raise NotYourMessage()
    if message.deleted_at is not None or timezone.now() > message.editable_until:
        raise EditWindowClosed()


def edit_message(user, message: Message, body: object) -> Message:  # type: ignore[no-untyped-def]
    """Replace the text of your own message within 15 minutes; shown as edited."""
    _check_own_and_recent(user, message)
    body = _clean_body(body)
    with transaction.atomic():
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        transaction.on_commit(partial(events.message_changed, message))
    return message


def delete_message(user, message: Message) -> Message:  # type: ignore[no-untyped-def]
    """Delete your own message within 15 minutes; the row stays as "deleted" so ids keep order."""
    _check_own_and_recent(user, message)
    with transaction.atomic():
        message.body = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at"])
        transaction.on_commit(partial(events.message_changed, message))
    return message

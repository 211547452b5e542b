"""Every write to conversations and messages: validate, lock, write, announce after commit."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core import ratelimit
from mentorloom.core.email import queue_email
from mentorloom.core.errors import DomainError, InvalidInput
from mentorloom.core.markdown import render_markdown
from mentorloom.core.realtime.lifetime import drop_conversations
from mentorloom.mentorships.models import Mentorship, MentorshipRequest

from . import attachment_files, events, selectors, send_sql
from .attachment_files import PreparedFile
from .errors import (  # BlockedConversation, ConversationClosed: re-exported for callers
    AttachmentTooLarge,
    BlockedConversation,  # noqa: F401
    ClientIdReused,
    ConversationClosed,  # noqa: F401
    EditInCommunity,
    EditWindowClosed,
    EmptyMessage,
    InvalidOpenDuration,
    MessageDeleted,
    MessageTooLong,
    NotAMentor,
    NotYourMessage,
    TooManyMessages,
    UnknownReaction,
)
from .models import (
    MAX_BODY_CHARS,
    OPEN_FOR_CHAT_MINUTES,
    REACTIONS,
    Attachment,
    ChatPresence,
    Conversation,
    ConversationKind,
    Message,
    Participant,
    Reaction,
)
from .quiet_hours import quiet_until

logger = logging.getLogger(__name__)

# Per-user send limit shared by the socket and the HTTP API (the issue: 20 per 10 seconds).
SEND_LIMIT = 20
SEND_WINDOW_SECONDS = 10


def create_conversation(
    kind: str,
    users: Iterable,
    *,
    mentorship: Mentorship | None = None,
    request: MentorshipRequest | None = None,
) -> Conversation:
    """A new conversation with these participants (e.g. a workshop room's: kind="workshop")."""
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=kind, mentorship=mentorship, request=request
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=user) for user in users]
        )
    return conversation


def get_or_create_conversation_for_request(request: MentorshipRequest) -> Conversation:
    """The request's one conversation (kind "request"), created with mentee and mentor.

    Connected to `mentorships.request_sent`, so it exists from the moment the request is
    sent and both inboxes list it. Safe under concurrency like the mentorship's: the
    one-to-one column is unique, so a losing racer re-reads.
    """
    existing = Conversation.objects.filter(request=request).first()
    if existing is not None:
        return existing
    try:
        conversation = create_conversation(
            ConversationKind.REQUEST, [request.mentee, request.mentor], request=request
        )
    except IntegrityError:
        return Conversation.objects.get(request=request)
    # Open inboxes reload their list (the live stream's unread refresh) and show the new row.
    transaction.on_commit(partial(events.unread_changed, [request.mentor_id, request.mentee_id]))
    return conversation


def get_or_create_conversation_for_mentorship(mentorship: Mentorship) -> Conversation:
    """The mentorship's one conversation, created with mentor and mentee on first use.

    When the mentorship began with a request that has a conversation, that conversation
    becomes the mentorship's (kind "mentorship", same id, same messages): one history from
    the first question to the last session, and a page or socket open on it keeps working.
    Safe under concurrency: the one-to-one column is unique, so a losing racer re-reads.
    """
    existing = Conversation.objects.filter(mentorship=mentorship).first()
    if existing is not None:
        return existing
    converted = Conversation.objects.filter(
        kind=ConversationKind.REQUEST, request__mentorship=mentorship
    ).update(kind=ConversationKind.MENTORSHIP, mentorship=mentorship)
    if converted:
        # Open inboxes reload and label the row "Mentorship".
        transaction.on_commit(partial(events.unread_changed, list(mentorship.participant_ids())))
        return Conversation.objects.get(mentorship=mentorship)
    try:
        return create_conversation(
            ConversationKind.MENTORSHIP,
            [mentorship.mentor, mentorship.mentee],
            mentorship=mentorship,
        )
    except IntegrityError:
        return Conversation.objects.get(mentorship=mentorship)


def _clean_body(body: object, *, allow_empty: bool = False) -> str:
    if allow_empty and (body is None or (isinstance(body, str) and not body.strip())):
        return ""  # a file on its own is a message
    if not isinstance(body, str) or not body.strip():
        raise EmptyMessage(fields={"body": [EmptyMessage.default_message]})
    body = body.strip()
    if len(body) > MAX_BODY_CHARS:
        raise MessageTooLong(fields={"body": [MessageTooLong.default_message]})
    if "\x00" in body:  # PostgreSQL text cannot hold it (the chat socket has no middleware)
        raise InvalidInput(fields={"body": ["Text must not contain NUL (U+0000) characters."]})
    return body


def parse_client_id(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(
            "client_id must be a UUID.", fields={"client_id": ["Expected a UUID."]}
        ) from None


def _others(conversation_id: int, user) -> list[int]:  # type: ignore[no-untyped-def]
    return selectors.other_participant_ids(conversation_id, user.pk)


def _stored(conversation_id: int, user, client_id: uuid.UUID) -> Message | None:  # type: ignore[no-untyped-def]
    return Message.objects.filter(
        conversation_id=conversation_id, sender=user, client_id=client_id
    ).first()


def _read_upload(upload: Any) -> PreparedFile:
    size = getattr(upload, "size", None)
    if size is not None and size > attachment_files.MAX_BYTES:
        raise AttachmentTooLarge(fields={"file": [AttachmentTooLarge.default_message]})
    upload.seek(0)
    data = upload.read(attachment_files.MAX_BYTES + 1)
    return attachment_files.prepare(data, getattr(upload, "name", "") or "")


def _store_file(prepared: PreparedFile) -> tuple[str, str]:
    """Writes the file (and thumbnail) under a random name; returns the storage names."""
    token = secrets.token_urlsafe(24)
    name = default_storage.save(f"chat/{token}.{prepared.extension}", ContentFile(prepared.data))
    thumb = ""
    if prepared.thumbnail is not None:
        thumb = default_storage.save(f"chat/{token}.thumb.webp", ContentFile(prepared.thumbnail))
    return name, thumb


def _remove_files(*names: str) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def send_message(
    user,  # type: ignore[no-untyped-def]
    conversation: Conversation | int,
    client_id: object,
    body: object,
    *,
    upload: Any = None,
    others: list[int] | None = None,
    outbox: events.Outbox | None = None,
    allowed: bool | None = None,
    parent_id: int | None = None,
) -> tuple[Message, bool]:
    """Store a message (optionally with one uploaded file), then (after commit) fan it out to
    every subscribed socket.

    `conversation` is the conversation or its id. Membership, a closed mentorship and blocks
    are checked once the conversation's row lock is held (`send_sql.lock_for_send`), so they
    hold at the moment the message is written; an outsider gets Http404. `others`, when given,
    are the other participants' ids (a socket keeps them per conversation; memberships never
    change).
    With an `outbox` (only outside any transaction, so the on-commit callbacks run before this
    returns), the events are appended to it for the caller to publish instead of published.
    `allowed` is the rate limit's answer when the caller counted this send itself (a socket
    counts on its event loop, see `ratelimit.aallow`); otherwise it is counted here.
    Returns (message, created). A retry with a client id already stored returns the stored
    message with created=False and announces nothing (never a duplicate, also under a race).
    Raises Http404, EmptyMessage, MessageTooLong, InvalidInput (client_id),
    ConversationClosed, BlockedConversation, TooManyMessages, UnsupportedAttachment,
    AttachmentTooLarge; in a channel, whatever `send_sql.channel_post_check` raises, and
    InvalidInput when `parent_id` (a thread reply's root) is not a message of this
    conversation.
    """
    require_verified(user)
    conversation_id = conversation if isinstance(conversation, int) else conversation.pk
    client_id = parse_client_id(client_id)
    parent = _thread_root(conversation_id, parent_id) if parent_id is not None else None
    if upload is not None:
        # A file is costly to check and store, so a retried upload is looked up first.
        stored = _stored(conversation_id, user, client_id)
        if stored is not None:
            return _retry_of(stored, _clean_body(body, allow_empty=True))
        # Counted before the file is read or decoded: a refused upload costs no decoding.
        if allowed is None:
            allowed = ratelimit.allow(
                "chat.send", str(user.pk), limit=SEND_LIMIT, window_seconds=SEND_WINDOW_SECONDS
            )
        if not allowed:
            raise TooManyMessages()
    prepared = _read_upload(upload) if upload is not None else None
    body = _clean_body(body, allow_empty=prepared is not None)
    if allowed is None:
        allowed = ratelimit.allow(
            "chat.send", str(user.pk), limit=SEND_LIMIT, window_seconds=SEND_WINDOW_SECONDS
        )
    if not allowed:
        # A retry of a message already stored is answered, not refused.
        return _stored_or_raise(conversation_id, user, client_id, body, TooManyMessages())
    # Rendered before taking the conversation's row lock, so the lock is held only for writes.
    html = render_markdown(body)
    # Files are written before the transaction (storage is not transactional) and removed
    # again if the message is not stored, so no row ever points at a missing file.
    files = _store_file(prepared) if prepared is not None else ("", "")
    now = timezone.now()
    if prepared is None and parent is None and send_sql.can_write_unwrapped():
        written = send_sql.write_unwrapped(conversation_id, user.pk, client_id, body, now)
        if written is not None:
            message, prev_id = written
            events.remember_payload(message, html=html, attachments=[])
            if others is None:
                others = _others(conversation_id, user)
            _announce_created(message, prev_id, others, outbox)
            if isinstance(conversation, Conversation):
                conversation.last_message_id = message.pk
                conversation.last_message_at = now
            return message, True
        # Not stored: the path below raises why, or reads the stored message back.
    try:
        with transaction.atomic():
            prev_id = send_sql.lock_for_send(
                conversation_id,
                user.pk,
                parent.sender_id if parent is not None else None,
                body,
                client_id,
            )
            message = send_sql.insert_message(conversation_id, user.pk, client_id, body, now)
            if message is None:
                # The client id is stored already: a retry, or a double submit that lost.
                raise _AlreadyStored()
            if parent is not None:
                Message.objects.filter(pk=message.pk).update(parent=parent)
                message.parent_id = parent.pk
            attachments: list[Attachment] = []
            if prepared is not None:
                attachment = Attachment.objects.create(
                    message=message,
                    kind=prepared.kind,
                    content_type=prepared.content_type,
                    name=prepared.name,
                    size=len(prepared.data),
                    file=files[0],
                    thumbnail=files[1],
                    thumb_width=prepared.width,
                    thumb_height=prepared.height,
                    created_at=now,
                )
                attachments.append(attachment)
            # A new message's related rows are known, so the payload is built without queries,
            # once, for the ack, the fan-out and the HTTP answer alike.
            events.remember_payload(message, html=html, attachments=attachments)
            # The conversation's newest message, and your own message is read by you.
            send_sql.mark_newest(message)
            if others is None:
                others = _others(conversation_id, user)
            # Once committed, never before: nobody hears of a message that was rolled back.
            transaction.on_commit(partial(_announce_created, message, prev_id, others, outbox))
    except _AlreadyStored:
        _remove_files(*files)
        stored = _stored(conversation_id, user, client_id)
        if stored is None:  # cannot happen: the insert met this very row
            raise RuntimeError("client id conflict without a stored message") from None
        return _retry_of(stored, body)
    except DomainError as exc:  # refused under the lock (closed, blocked, a channel's rule)
        _remove_files(*files)
        return _stored_or_raise(conversation_id, user, client_id, body, exc)
    except BaseException:
        _remove_files(*files)
        raise
    if isinstance(conversation, Conversation):
        conversation.last_message_id = message.pk
        conversation.last_message_at = now
    return message, True


def _thread_root(conversation_id: int, parent_id: object) -> Message:
    """The message a reply answers, which must be a live root message of the same
    conversation (threads are one level deep)."""
    if isinstance(parent_id, bool) or not isinstance(parent_id, int):
        raise InvalidInput("parent_id must be a message id.", fields={"parent_id": ["Not an id."]})
    parent = Message.objects.filter(
        pk=parent_id, conversation_id=conversation_id, parent__isnull=True, deleted_at__isnull=True
    ).first()
    if parent is None:
        raise InvalidInput(
            "You can only reply to a post in this channel.",
            fields={"parent_id": ["No such post here."]},
        )
    return parent


def _announce_created(
    message: Message, prev_id: int, others: list[int], outbox: events.Outbox | None
) -> None:
    """Announce a committed message: the fan-out to its conversation's sockets, then the
    recipients' badges (or, in a group conversation, its owner's one event). The one
    announcement of both send paths (the unwrapped one calls it after its own commit, the
    atomic one on commit). A failing announcement is logged and
    never undoes the stored message, nor keeps the next one from going out."""
    announcements = [
        partial(events.message_created, message, prev_id, outbox),
        partial(events.unread_changed, others, outbox),
    ]
    if not others:  # a channel or workshop room: no badge fan-out, its owner announces once
        announcements.append(partial(events.group_message_announced, message, outbox))
    for announce in announcements:
        try:
            announce()
        except Exception:
            logger.exception("announcing message %s failed", message.pk)


class _AlreadyStored(Exception):
    """Rolls back a send whose client id is stored already (nothing was written)."""


def _stored_or_raise(
    conversation_id: int,
    user,  # type: ignore[no-untyped-def]
    client_id: uuid.UUID,
    body: str,
    error: Exception,
) -> tuple[Message, bool]:
    stored = _stored(conversation_id, user, client_id)
    if stored is None:
        raise error
    return _retry_of(stored, body)


def _retry_of(stored: Message, body: str) -> tuple[Message, bool]:
    """A send whose client id is stored already: the same message again is a retry, answered
    with the stored one; a different body is a client bug that would silently lose a message,
    so it is refused with ClientIdReused. (An edited or deleted message no longer shows the
    body it was sent with, so any retry of it is answered.)"""
    if stored.edited_at is None and stored.deleted_at is None and stored.body != body:
        raise ClientIdReused()
    return stored, False


def mark_read(user, conversation: Conversation, up_to_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Move the user's read marker forward to `up_to_id` (never back, never past the newest);
    True when it moved (selectors.read_marker says where it is).

    One UPDATE: the newest message id only grows, so an `up_to_id` within what `conversation`
    already knows needs no check; only a larger one is clamped to the stored newest (a page
    opening a channel reads it with the channel, and marks it read without another look).
    Publishes a read receipt after commit when the marker moved."""
    up_to = max(0, int(up_to_id))
    if up_to > (conversation.last_message_id or 0):
        newest = (
            Conversation.objects.filter(pk=conversation.pk)
            .values_list("last_message_id", flat=True)
            .first()
        )
        up_to = min(up_to, newest or 0)
    now = timezone.now()
    moved = Participant.objects.filter(
        conversation=conversation, user=user, last_read_message_id__lt=up_to
    ).update(last_read_message_id=up_to, last_read_at=now)
    # Read receipts are shown in one-to-one chats; in a channel each member's read would
    # go to every member's socket (nobody shows them there).
    if moved and conversation.kind != ConversationKind.CHANNEL:
        transaction.on_commit(partial(events.read_moved, conversation.pk, user.pk, up_to, now))
    if moved:
        # The reader's other tabs update their badge too.
        transaction.on_commit(partial(events.unread_changed, [user.pk]))
    return bool(moved)


def remove_participant(user_id: int, conversations: QuerySet, *, reason: str) -> None:
    """`user_id` no longer takes part in `conversations` (a community's channels after a ban
    or leaving, a workshop's room chats after a ban): their rows go, and after commit their
    open sockets stop following those conversations (`lifetime.drop_conversations`)."""
    rows = Participant.objects.filter(conversation__in=conversations, user_id=user_id)
    ids = list(rows.values_list("conversation_id", flat=True))
    if ids:
        Participant.objects.filter(conversation_id__in=ids, user_id=user_id).delete()
        drop_conversations(user_id, ids, reason)


def _check_own_and_recent(user, message: Message) -> None:  # type: ignore[no-untyped-def]
    if message.sender_id != user.pk:
        raise NotYourMessage()
    if message.deleted_at is not None or timezone.now() > message.editable_until:
        raise EditWindowClosed()


def edit_message(user, message: Message, body: object) -> Message:  # type: ignore[no-untyped-def]
    """Replace the text of your own message within 15 minutes; shown as edited. A community
    channel's post is refused (EditInCommunity): its edits go through communities, which
    applies the channel's rules (mutes, bans, who may be mentioned) and notifies new mentions.
    An edit puts new words in front of the other person, so it is held to the send rule:
    ConversationClosed after the mentorship ended, BlockedConversation after a block (deleting
    your own message stays allowed)."""
    if message.conversation.kind == ConversationKind.CHANNEL:
        raise EditInCommunity()
    _check_own_and_recent(user, message)
    send_sql.check_can_post(message.conversation_id, user.pk)
    return replace_body(message, body)


def edit_own_message(user, message: Message, body: object) -> Message:  # type: ignore[no-untyped-def]
    """The sender's edit within 15 minutes without the send rule: communities' `edit_post`
    calls it after the channel's own checks (chat's `edit_message` adds the send rule). Raises
    NotYourMessage, EditWindowClosed, EmptyMessage, MessageTooLong."""
    _check_own_and_recent(user, message)
    return replace_body(message, body)


def replace_body(message: Message, body: object) -> Message:
    """Replace a live message's text: shown as edited, announced to its conversation's sockets
    after commit. The caller decided who may (`edit_message`: the sender within 15 minutes;
    communities: a story's author at any time). Raises EmptyMessage, MessageTooLong."""
    body = _clean_body(body)
    events.forget_payload(message)
    with transaction.atomic():
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        transaction.on_commit(partial(events.message_changed, message))
    return message


def delete_message(user, message: Message) -> Message:  # type: ignore[no-untyped-def]
    """Delete your own message within 15 minutes; the row stays as "deleted" so ids keep order."""
    _check_own_and_recent(user, message)
    return _delete(message, user.pk)


def moderator_delete_message(message: Message) -> Message:
    """Delete any message of a community channel (the caller checked the moderator's role and
    records the reason); the same soft delete as your own."""
    return _delete(message, None)


def _delete(message: Message, user_id: int | None) -> Message:
    events.forget_payload(message)
    with transaction.atomic():
        message.body = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at"])
        # Deleting a message deletes its files too (they are removed once the delete commits).
        attachments = list(message.attachments.all())
        names = [n for a in attachments for n in (a.file.name, a.thumbnail.name)]
        message.attachments.all().delete()
        transaction.on_commit(partial(_remove_files, *names))
        transaction.on_commit(partial(events.message_changed, message))
        # A deleted message no longer counts as unread for anyone.
        others = selectors.other_participant_ids(message.conversation_id, user_id or 0)
        transaction.on_commit(partial(events.unread_changed, others))
    return message


def set_reaction(user, message: Message, key: str, *, active: bool = True) -> Message:  # type: ignore[no-untyped-def]
    """Add (active) or remove your `key` reaction on a message; idempotent either way.

    Precondition: `message` came from `get_message_for`. Raises UnknownReaction,
    MessageDeleted, ConversationClosed, BlockedConversation. Announces the message's new
    reactions to subscribed sockets after commit when something changed.
    """
    if key not in REACTIONS:
        raise UnknownReaction(fields={"key": [UnknownReaction.default_message]})
    if message.deleted_at is not None:
        raise MessageDeleted()
    # The message's sender counts as the one answered: in a channel a reaction to someone
    # blocked either way is refused, as a reply is.
    send_sql.check_can_post(message.conversation_id, user.pk, parent_sender_id=message.sender_id)
    events.forget_payload(message)
    with transaction.atomic():
        if active:
            _, changed = Reaction.objects.get_or_create(message=message, user=user, key=key)
        else:
            changed = bool(Reaction.objects.filter(message=message, user=user, key=key).delete()[0])
        if changed:
            transaction.on_commit(partial(events.message_changed, message))
    return message


# --- E-mail digests of unread messages --------------------------------------------------------

# A message still unread this long after it was sent is e-mailed (the rule).
DIGEST_AFTER = timedelta(minutes=15)
DIGEST_EXCERPT_CHARS = 500


def send_message_digests(now: datetime | None = None) -> dict[str, int]:
    """E-mail each person one digest per conversation of the messages they left unread for
    15 minutes, unless it is their quiet time there (then the digest waits until it ends).

    Idempotent and safe to run concurrently: each membership is re-checked under its row lock
    and `last_digested_message_id` moves forward in the same transaction that queues the mail,
    so a message is listed in at most one digest. Returns counts: sent, held (quiet hours),
    waiting (unread but younger than 15 minutes).
    """
    now = now or timezone.now()
    counts = {"sent": 0, "held": 0, "waiting": 0}
    for participant_id in selectors.digest_candidates().values_list("pk", flat=True):
        outcome = _digest_one(participant_id, now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def _digest_one(participant_id: int, now: datetime) -> str:
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("user__profile", "conversation__mentorship")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None:
            return "gone"
        pending = selectors.pending_digest_messages(participant)
        if not pending:
            return "nothing"
        if now - pending[0].created_at < DIGEST_AFTER:
            return "waiting"
        user, conversation = participant.user, participant.conversation
        quiet = selectors.quiet_hours_for(user, conversation)
        if quiet is not None and quiet_until(now, *quiet) is not None:
            return "held"
        participant.last_digested_message_id = pending[-1].pk
        participant.save(update_fields=["last_digested_message_id"])
        profile = getattr(user, "profile", None)
        senders = sorted({selectors.person_name(m.sender) for m in pending})
        queue_email(
            user.email,
            "messaging/emails/digest",
            {
                "user": user,
                "title": ", ".join(senders),
                "count": len(pending),
                "zone": (profile.time_zone if profile is not None else "") or "UTC",
                "items": [
                    {
                        "sender": selectors.person_name(m.sender),
                        "created_at": m.created_at,
                        "body": selectors.excerpt(m.body, DIGEST_EXCERPT_CHARS),
                        "files": len(m.attachment_rows()),
                    }
                    for m in pending
                ],
                "url": reverse("messaging:conversation", args=[conversation.pk]),
            },
        )
        return "sent"


# --- "Open for a quick chat now" --------------------------------------------------------------


def open_for_chat(user, minutes: object) -> ChatPresence:  # type: ignore[no-untyped-def]
    """Show `user` (a mentor) as open for a quick chat for 30, 60 or 120 minutes from now;
    opening again restarts the clock. Raises InvalidOpenDuration, NotAMentor."""
    if isinstance(minutes, bool) or minutes not in OPEN_FOR_CHAT_MINUTES:
        raise InvalidOpenDuration(fields={"minutes": [InvalidOpenDuration.default_message]})
    profile = getattr(user, "profile", None)
    if profile is None or not profile.is_mentor:
        raise NotAMentor()
    now = timezone.now()
    presence, _ = ChatPresence.objects.update_or_create(
        user=user,
        defaults={"open_until": now + timedelta(minutes=int(minutes)), "opened_at": now},  # type: ignore[call-overload]
    )
    return presence


def close_for_chat(user) -> None:  # type: ignore[no-untyped-def]
    """Stop showing `user` as open for a quick chat (idempotent)."""
    ChatPresence.objects.filter(user=user).delete()

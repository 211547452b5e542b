"""Conversations between people and the messages in them.

Delivery guarantees rest on two things defined here: the unique (conversation, sender,
client_id) constraint, which makes a retried send return the stored row instead of a copy, and
the auto-increment primary key, which orders messages within a conversation (the send service
holds the conversation's row lock while inserting, so ids are handed out in commit order).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_BODY_CHARS = 10_000
# Own messages can be edited or deleted for this long after sending (the rule).
EDIT_WINDOW_SECONDS = 15 * 60


class ConversationKind(models.TextChoices):
    MENTORSHIP = "mentorship", "Mentorship"
    REQUEST = "request", "Request"
    # A community's topic channel: many members, the same send path, order and catch-up.
    CHANNEL = "channel", "Channel"
    # A live workshop room's chat (workshops app): many members, the same delivery path.
    WORKSHOP = "workshop", "Workshop room"


# Conversations of many people: not in the one-to-one inbox, badge or digests, and the
# pairwise block rule does not close them (blocked people's posts are handled per kind).
GROUP_KINDS = (ConversationKind.CHANNEL, ConversationKind.WORKSHOP)


class Conversation(models.Model):
    kind = models.CharField(max_length=12, choices=ConversationKind.choices)
    mentorship = models.OneToOneField(
        "mentorships.Mentorship",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    # The connection request this conversation began with (kind "request" while it is open;
    # on acceptance the same row becomes the mentorship's conversation and keeps the link, so
    # the request's note stays at the top of one history). SET_NULL: a request deleted with an
    # account leaves the other person's history; a request conversation without one is closed.
    request = models.OneToOneField(
        "mentorships.MentorshipRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversation",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Participant", related_name="conversations"
    )
    # Id of the newest message (denormalised, written under the conversation's row lock).
    last_message_id = models.BigIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} conversation {self.pk}"


class Participant(models.Model):
    """One person's membership of a conversation and how far they have read."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    last_read_message_id = models.BigIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    # Newest message id already listed in an e-mail digest to this person (written under this
    # row's lock), so each unread message is e-mailed at most once.
    last_digested_message_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} (read {self.last_read_message_id})"


class Message(models.Model):
    # No index of its own: the (conversation, id) index below serves every lookup by
    # conversation, and each index is one more page written per message.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # SET_NULL: a message stays in the other person's history when its sender is deleted.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="chat_messages"
    )
    client_id = models.UUIDField(default=uuid.uuid4)
    # A thread reply's root message (channels): replies are messages of the same conversation,
    # so they share its order, catch-up and client-id dedupe.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # the partial index below
    )
    body = models.TextField(max_length=MAX_BODY_CHARS, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A retry with the same client id can never insert a second row.
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"], name="one_message_per_client_id"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            # Replies only: chat messages (no parent) write no entry, and a channel's page of
            # root posts (parent IS NULL) keeps walking the (conversation, id) index.
            models.Index(
                fields=["parent"], name="message_reply_parent", condition=Q(parent__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def editable_until(self) -> datetime:
        return self.created_at + timedelta(seconds=EDIT_WINDOW_SECONDS)

    # Pages of messages load reactions and files as plain lists (selectors.
    # with_reactions_and_files); a message loaded on its own reads them through its managers.
    def reaction_rows(self) -> list[Reaction]:
        rows = self.__dict__.get(REACTION_LIST)
        return rows if rows is not None else list(self.reactions.all())

    def attachment_rows(self) -> list[Attachment]:
        rows = self.__dict__.get(ATTACHMENT_LIST)
        return rows if rows is not None else list(self.attachments.all())


REACTION_LIST, ATTACHMENT_LIST = "reaction_list", "attachment_list"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", "Image"
    PDF = "pdf", "PDF"


class Attachment(models.Model):
    """A file sent with a message. Stored under MEDIA_ROOT/chat/ with a random name and served
    only through the checked view (never by MEDIA_URL), so only participants can fetch it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200, blank=True)
    thumb_width = models.PositiveIntegerField(null=True, blank=True)
    thumb_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} on message {self.message_id}"


# The small fixed set of reactions: key (stable, used in URLs and the API) -> (emoji, name).
REACTIONS: dict[str, tuple[str, str]] = {
    "thumbs_up": ("👍", "Thumbs up"),
    "heart": ("❤️", "Heart"),
    "tada": ("🎉", "Celebrate"),
    "laugh": ("😂", "Laugh"),
    "thanks": ("🙏", "Thanks"),
    "thinking": ("🤔", "Thinking"),
}


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_reactions"
    )
    key = models.CharField(max_length=16, choices=[(k, v[1]) for k, v in REACTIONS.items()])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Adding the same reaction twice (double click, retry) stays one reaction.
            models.UniqueConstraint(fields=["message", "user", "key"], name="one_reaction_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.user_id} on {self.message_id}"


# "Open for a quick chat now": how long a mentor may stay open, in minutes.
OPEN_FOR_CHAT_MINUTES = (30, 60, 120)


class ChatPresence(models.Model):
    """A mentor's opt-in "open for a quick chat now" until `open_until`; one row per person.

    An expired row is simply not shown (readers compare with now), so nothing has to clean up
    on time; turning it off deletes the row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_presence",
    )
    open_until = models.DateTimeField(db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} open for chat until {self.open_until:%Y-%m-%d %H:%M} UTC"

    @property
    def is_open(self) -> bool:
        return self.open_until > timezone.now()

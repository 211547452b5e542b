"""Reads: conversation lists with unread counts, message pages, read states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from mentorloom.safety.selectors import hidden_user_ids

from .models import Conversation, Message, Participant

PAGE_DEFAULT = 50
PAGE_MAX = 200


def _unread_subquery(user) -> Subquery:  # type: ignore[no-untyped-def]
    my_read = Participant.objects.filter(conversation=OuterRef(OuterRef("pk")), user=user)
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            deleted_at__isnull=True,
            id__gt=Subquery(my_read.values("last_read_message_id")[:1]),
        )
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(unread, output_field=IntegerField())


def conversations_for(user) -> QuerySet[Conversation]:  # type: ignore[no-untyped-def]
    """The user's conversations, newest activity first, with `unread_count` annotated.

    Conversations with someone the user blocked (or was blocked by) are left out: a block hides
    two people from each other everywhere.
    """
    hidden = hidden_user_ids(user.pk)
    qs = Conversation.objects.filter(memberships__user=user)
    if hidden:
        qs = qs.exclude(memberships__user_id__in=hidden)
    return (
        qs.annotate(unread_count=Coalesce(_unread_subquery(user), Value(0)))
        .select_related("mentorship")
        .prefetch_related("memberships__user__profile")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )


def unread_total_for(user) -> int:  # type: ignore[no-untyped-def]
    """Unread messages across the user's visible conversations (the nav badge), in one query.

    Accepts a user or a user id, so it can run in an on-commit callback with only the id.
    """
    user_id = getattr(user, "pk", user)
    # One filter() call: the F() below reuses the join to *this user's* membership row.
    qs = Message.objects.filter(
        conversation__memberships__user_id=user_id,
        id__gt=F("conversation__memberships__last_read_message_id"),
        deleted_at__isnull=True,
    ).exclude(sender_id=user_id)
    hidden = hidden_user_ids(user_id)
    if hidden:
        qs = qs.exclude(conversation__memberships__user_id__in=hidden)
    return qs.count()


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    has_more: bool  # more in the direction of the cursor (older for before/latest, newer for after)


def messages_page(
    conversation: Conversation,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_DEFAULT,
) -> MessagePage:
    """Messages in id order: after `after` (oldest first), or before `before` / the latest."""
    limit = max(1, min(limit, PAGE_MAX))
    qs = Message.objects.filter(conversation=conversation).prefetch_related(
        "attachments", "reactions"
    )
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        return MessagePage(rows[:limit], len(rows) > limit)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    return MessagePage(list(reversed(rows[:limit])), len(rows) > limit)


def messages_after(conversation_id: int, after_id: int, limit: int = PAGE_MAX) -> list[Message]:
    return list(
        Message.objects.filter(conversation_id=conversation_id, id__gt=after_id)
        .prefetch_related("attachments", "reactions")
        .order_by("id")[:limit]
    )


@dataclass(frozen=True)
class ReadState:
    user_id: int
    last_read_message_id: int
    last_read_at: datetime | None


def read_states(conversation: Conversation) -> list[ReadState]:
    return [
        ReadState(p.user_id, p.last_read_message_id, p.last_read_at)
        for p in Participant.objects.filter(conversation=conversation).order_by("user_id")
    ]


def other_participants(conversation: Conversation, user) -> list:  # type: ignore[no-untyped-def]
    """The other people in the conversation (profiles loaded), for titles and avatars."""
    return [p.user for p in conversation.memberships.all() if p.user_id != user.pk]

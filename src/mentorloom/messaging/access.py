"""Access helpers: the only way views, API routes and consumers reach a conversation."""

from __future__ import annotations

from django.http import Http404

from mentorloom.safety.selectors import hidden_user_ids

from .models import GROUP_KINDS, Attachment, Conversation, Message


def get_conversation_for(user, conversation_id: object) -> Conversation:  # type: ignore[no-untyped-def]
    """The conversation if `user` takes part in it; otherwise 404 (an outsider learns nothing)."""
    if user is None or not user.is_authenticated:
        raise Http404
    try:
        conversation_id = int(conversation_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    conversation = (
        Conversation.objects.filter(pk=conversation_id, memberships__user=user)
        .select_related("mentorship", "request")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def get_message_for(user, conversation: Conversation, message_id: int) -> Message:  # type: ignore[no-untyped-def]
    """A message of a conversation `user` can already see (call get_conversation_for first).
    In a group conversation (channel, workshop) a message by someone blocked either way is
    404, as the conversation's pages and sockets hide it: its id must not reveal it either."""
    message = Message.objects.filter(pk=message_id, conversation=conversation).first()
    if message is None:
        raise Http404
    if (
        conversation.kind in GROUP_KINDS
        and message.sender_id is not None
        and message.sender_id in hidden_user_ids(user.pk)
    ):
        raise Http404
    return message


def get_attachment_for(user, conversation_id: object, attachment_id: int) -> Attachment:  # type: ignore[no-untyped-def]
    """An attachment in a conversation `user` takes part in (not of a deleted message), or 404."""
    conversation = get_conversation_for(user, conversation_id)
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id, message__conversation=conversation, message__deleted_at__isnull=True
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment

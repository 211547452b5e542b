"""The messaging JSON API: the HTTP fallback for everything the chat socket does."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from mentorloom.core.schemas import INT64_MAX, READ_ERRORS, WRITE_ERRORS, Id

from . import selectors, services
from .access import get_conversation_for, get_message_for
from .events import message_payload
from .schemas import (
    ConversationOut,
    EditIn,
    MessageOut,
    MessagePageOut,
    OpenForChatIn,
    OpenForChatOut,
    ReadIn,
    ReadOut,
    SendIn,
)

router = Router(tags=["messaging"])


def person(user) -> dict:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return {"id": user.pk, "name": profile.name if profile else user.email.split("@")[0]}


@router.get("/conversations", response={200: list[ConversationOut], **READ_ERRORS})
def list_conversations(request: HttpRequest) -> list[dict]:
    rows = []
    conversations = list(selectors.conversations_for(request.user))
    previews = selectors.previews_for(conversations)
    for conversation in conversations:
        mine = next(m for m in conversation.memberships.all() if m.user_id == request.user.pk)
        preview = previews.get(conversation.pk)
        rows.append(
            {
                "id": conversation.pk,
                "kind": conversation.kind,
                "mentorship_id": conversation.mentorship_id,
                "request_id": conversation.request_id,
                "request_state": selectors.request_state(conversation) or None,
                "others": [
                    person(u) for u in selectors.other_participants(conversation, request.user)
                ],
                "last_message_id": conversation.last_message_id,
                "last_message_at": conversation.last_message_at,
                "last_message_preview": preview.text if preview else None,
                "last_message_sender_id": preview.sender_id if preview else None,
                "last_read_message_id": mine.last_read_message_id,
                "unread_count": conversation.unread_count,
                "url": reverse("messaging:conversation", args=[conversation.pk]),
            }
        )
    return rows


class PageQuery(Schema):
    after: int | None = Field(None, ge=0, le=INT64_MAX)
    before: int | None = Field(None, ge=0, le=INT64_MAX)
    limit: int = Field(selectors.PAGE_DEFAULT, ge=1, le=selectors.PAGE_MAX)


@router.get(
    "/conversations/{conversation_id}/messages", response={200: MessagePageOut, **READ_ERRORS}
)
def list_messages(request: HttpRequest, conversation_id: Id, query: Query[PageQuery]) -> dict:
    conversation = get_conversation_for(request.user, conversation_id)
    page = selectors.messages_page(
        conversation,
        after=query.after,
        before=query.before,
        limit=query.limit,
        hidden_for=request.user.pk,
    )
    return {
        "messages": [message_payload(m) for m in page.messages],
        "has_more": page.has_more,
        "reads": [
            {"user_id": r.user_id, "up_to_id": r.last_read_message_id, "read_at": r.last_read_at}
            for r in selectors.read_states(conversation)
        ],
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    response={**WRITE_ERRORS, 200: MessageOut, 201: MessageOut},
)
def post_message(request: HttpRequest, conversation_id: Id, payload: SendIn) -> tuple[int, dict]:
    """Idempotent by `client_id`: a retry answers 200 with the stored message, never a copy."""
    conversation = get_conversation_for(request.user, conversation_id)
    message, created = services.send_message(
        request.user, conversation, payload.client_id, payload.body
    )
    return (201 if created else 200), message_payload(message)


@router.post(
    "/conversations/{conversation_id}/attachments",
    response={**WRITE_ERRORS, 200: MessageOut, 201: MessageOut},
)
def post_attachment(
    request: HttpRequest,
    conversation_id: Id,
    file: File[UploadedFile],
    client_id: Form[UUID],
    body: Form[str] = "",
    parent_id: Form[Id | None] = None,
) -> tuple[int, dict]:
    """Multipart upload of one image (JPEG/PNG/WebP) or PDF, at most 10 MB, with an optional
    caption, sent as a message; with `parent_id`, a reply in that post's thread (a community
    channel's threads). Idempotent by `client_id` like posting a message."""
    conversation = get_conversation_for(request.user, conversation_id)
    message, created = services.send_message(
        request.user, conversation, client_id, body, upload=file, parent_id=parent_id
    )
    return (201 if created else 200), message_payload(message)


@router.patch(
    "/conversations/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, **WRITE_ERRORS},
)
def edit_message(
    request: HttpRequest, conversation_id: Id, message_id: Id, payload: EditIn
) -> dict:
    conversation = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, conversation, message_id)
    return message_payload(services.edit_message(request.user, message, payload.body))


@router.delete(
    "/conversations/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, **WRITE_ERRORS},
)
def delete_message(request: HttpRequest, conversation_id: Id, message_id: Id) -> dict:
    conversation = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, conversation, message_id)
    return message_payload(services.delete_message(request.user, message))


@router.post("/conversations/{conversation_id}/read", response={200: ReadOut, **WRITE_ERRORS})
def mark_read(request: HttpRequest, conversation_id: Id, payload: ReadIn) -> dict:
    conversation = get_conversation_for(request.user, conversation_id)
    services.mark_read(request.user, conversation, payload.up_to_id)
    return {
        "conversation_id": conversation.pk,
        "last_read_message_id": selectors.read_marker(request.user, conversation),
    }


@router.put(
    "/conversations/{conversation_id}/messages/{message_id}/reactions/{key}",
    response={200: MessageOut, **WRITE_ERRORS},
)
def add_reaction(request: HttpRequest, conversation_id: Id, message_id: Id, key: str) -> dict:
    """Add your reaction (`key`: thumbs_up, heart, tada, laugh, thanks, thinking); idempotent."""
    conversation = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, conversation, message_id)
    return message_payload(services.set_reaction(request.user, message, key, active=True))


@router.delete(
    "/conversations/{conversation_id}/messages/{message_id}/reactions/{key}",
    response={200: MessageOut, **WRITE_ERRORS},
)
def remove_reaction(request: HttpRequest, conversation_id: Id, message_id: Id, key: str) -> dict:
    conversation = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, conversation, message_id)
    return message_payload(services.set_reaction(request.user, message, key, active=False))


def _presence_out(presence) -> dict:  # type: ignore[no-untyped-def]
    return {"open": presence is not None, "open_until": presence.open_until if presence else None}


@router.get("/me/open-for-chat", response={200: OpenForChatOut, **READ_ERRORS})
def get_open_for_chat(request: HttpRequest) -> dict:
    return _presence_out(selectors.presence_for(request.user))


@router.put("/me/open-for-chat", response={200: OpenForChatOut, **WRITE_ERRORS})
def put_open_for_chat(request: HttpRequest, payload: OpenForChatIn) -> dict:
    """Mentors only: show "open for a quick chat" for `minutes` (30, 60 or 120) from now."""
    return _presence_out(services.open_for_chat(request.user, payload.minutes))


@router.delete("/me/open-for-chat", response={200: OpenForChatOut, **WRITE_ERRORS})
def delete_open_for_chat(request: HttpRequest) -> dict:
    services.close_for_chat(request.user)
    return _presence_out(None)
